// A deployment smoke test: enqueue one Node action on the replay pool (selfCheckNode, which loads
// the Parquet and zstd decoders and reads the archive's metadata) and record its report.
// Run it with `npx convex run selfCheck:start` after a deploy, then `npx convex run selfCheck:latest`.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, internalQuery } from "./_generated/server";
import { replayPool } from "./replayPool";
import { vSelfCheckReport } from "../src/component/validators.ts";

export const start = internalMutation({
  args: {},
  returns: v.id("selfChecks"),
  handler: async (ctx) => {
    const checkId = await ctx.db.insert("selfChecks", { startedAt: Date.now(), outcome: "pending" });
    await replayPool.enqueueAction(
      ctx,
      internal.selfCheckNode.probeNodeRuntime,
      {},
      {
        name: "selfCheck",
        onComplete: internal.selfCheck.recordOutcome,
        context: checkId,
      },
    );
    return checkId;
  },
});

export const recordOutcome = internalMutation({
  args: vOnCompleteArgs(v.id("selfChecks"), vSelfCheckReport),
  returns: v.null(),
  handler: async (ctx, { context: checkId, result }) => {
    await ctx.db.patch(checkId, {
      finishedAt: Date.now(),
      outcome: result.kind,
      ...(result.kind === "success" ? { report: result.returnValue } : {}),
      ...(result.kind === "failed" ? { error: result.error } : {}),
    });
    return null;
  },
});

export const latest = internalQuery({
  args: {},
  handler: async (ctx) => ctx.db.query("selfChecks").order("desc").first(),
});
