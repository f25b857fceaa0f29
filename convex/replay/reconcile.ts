// Automatic rebuilds: the code's registry compared with what the component stores (see
// src/component/projections.ts). Runs on deploy (`npx convex run replay/reconcile:run`), at local
// runtime start, and by cron.
import type { FunctionReturnType } from "convex/server";
import type { AnyProjection } from "../../src/registry/index.ts";
import { components } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { registry } from "../projections";
import { appFunctions, archiveLocation } from "./lifecycle";

export const run = internalMutation({
  args: {},
  handler: async (ctx): Promise<FunctionReturnType<typeof components.reproject.projections.reconcile>> =>
    ctx.runMutation(components.reproject.projections.reconcile, {
      code: (registry.projections as readonly AnyProjection[]).map(({ name, version }) => ({ name, version })),
      archiveLocation: archiveLocation(),
      app: await appFunctions(),
    }),
});
