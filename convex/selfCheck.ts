// A deployment smoke test: one Node action on the replay pool (selfCheckNode, which loads the
// Parquet and zstd decoders and reads the archive's metadata), and its report.
// Run it with `npx convex run selfCheck:start` after a deploy, then `npx convex run selfCheck:latest`.
import { components } from "./_generated/api";
import { internalMutation, internalQuery } from "./_generated/server";
import { appFunctions } from "./replay/lifecycle";

export const start = internalMutation({
  args: {},
  handler: async (ctx): Promise<string> => ctx.runMutation(components.reproject.selfChecks.start, { app: await appFunctions() }),
});

export const latest = internalQuery({
  args: {},
  handler: (ctx) => ctx.runQuery(components.reproject.selfChecks.latest, {}),
});
