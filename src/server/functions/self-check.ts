// A deployment smoke test: one Node action on the replay pool (probeNodeRuntime, which loads the
// Parquet and zstd decoders and reads the archive's metadata), and its report.
// After a deploy: `npx convex run reproject:startSelfCheck`, then `npx convex run reproject:latestSelfCheck`.
import { internalMutationGeneric, internalQueryGeneric } from "convex/server";
import { appFunctions } from "../app-functions.ts";
import type { Wiring } from "../wiring.ts";

export function selfCheckFunctions(wiring: Wiring) {
  const { component } = wiring;
  return {
    startSelfCheck: internalMutationGeneric({
      args: {},
      handler: async (ctx): Promise<string> =>
        ctx.runMutation(component.selfChecks.start, { app: await appFunctions(wiring) }),
    }),
    latestSelfCheck: internalQueryGeneric({
      args: {},
      handler: (ctx) => ctx.runQuery(component.selfChecks.latest, {}),
    }),
  };
}
