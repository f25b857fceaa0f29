// Reproject bound to the app's component reference, projections and envelope.
import { componentsGeneric } from "convex/server";
import type { ComponentApi } from "reproject/_generated/component.js";
import { adminFromEnvironment, defineReproject } from "reproject/server";
import { envelope, registry } from "./events.ts";

// What `npx convex dev` generates in convex/_generated/api.d.ts for `app.use(reproject)`.
const components = componentsGeneric() as unknown as { reproject: ComponentApi<"reproject"> };

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
