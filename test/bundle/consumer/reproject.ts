// Reproject bound to the app's component reference, projections and envelope.
import { componentsGeneric } from "convex/server";
import { adminFromEnvironment, defineReproject, type ReprojectConfig } from "reproject/server";
import { envelope, registry } from "./events.ts";

// What `components.reproject` of the app's generated API is, once `npx convex dev` has run.
const components = componentsGeneric() as unknown as { reproject: ReprojectConfig["component"] };

export const reproject = defineReproject({
  component: components.reproject,
  registry,
  envelope,
  authorize: adminFromEnvironment(),
});

/** A query handler reading the active read model, typed from the projection's declaration. */
export async function itemsOf(ctx: Parameters<typeof reproject.activeReadModel>[0], orderId: string): Promise<number> {
  const order = await (await reproject.activeReadModel(ctx, "orderLines")).get({ orderId });
  return order?.items ?? 0;
}
