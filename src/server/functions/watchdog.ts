// The watchdog's entry point (a cron of `reproject.crons`, every minute): running rebuilds whose
// chunk chain broke are resumed from their checkpoints (see the component's watchdog.ts).
import { internalMutationGeneric, type FunctionReturnType } from "convex/server";
import { appFunctions } from "../app-functions.ts";
import type { Wiring } from "../wiring.ts";

export function watchdogFunctions(wiring: Wiring) {
  const { component } = wiring;
  return {
    /** Also by hand: `npx convex run reproject:superviseRebuilds`. */
    superviseRebuilds: internalMutationGeneric({
      args: {},
      handler: async (ctx): Promise<FunctionReturnType<typeof component.watchdog.resumeStalled>> =>
        ctx.runMutation(component.watchdog.resumeStalled, { app: await appFunctions(wiring) }),
    }),
  };
}
