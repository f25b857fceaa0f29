// Retention of the engine's records, the app's side: the settings come from the deployment's
// environment, which the component cannot read. Run daily by `reproject.crons`; by hand:
// `npx convex run reproject:applyRetention`.
import { internalMutationGeneric } from "convex/server";
import { v } from "convex/values";
import { retentionSettings } from "../retention-settings.ts";
import type { Wiring } from "../wiring.ts";

export function retentionFunctions({ component }: Wiring) {
  return {
    applyRetention: internalMutationGeneric({
      args: {},
      returns: v.null(),
      handler: async (ctx) => {
        await ctx.runMutation(component.retention.start, { policy: retentionSettings() });
        return null;
      },
    }),
  };
}
