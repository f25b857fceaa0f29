// A deployment smoke test: one Node action of the app (its self-check probe) on the replay pool,
// and the report it returns.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import type { FunctionHandle } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { internalMutation, mutation, query } from "./_generated/server.js";
import { appFunctionsOf, rememberAppFunctions } from "./appFunctions.ts";
import { replayPool } from "./replayPool.ts";
import { vAppFunctions, vSelfCheckReport } from "./validators.ts";

export const start = mutation({
  args: { app: vAppFunctions },
  returns: v.string(),
  handler: async (ctx, { app }) => {
    await rememberAppFunctions(ctx, app);
    const checkId = await ctx.db.insert("selfChecks", { startedAt: Date.now(), outcome: "pending" });
    const { selfCheck } = await appFunctionsOf(ctx);
    await (
      await replayPool(ctx)
    ).enqueueAction(
      ctx,
      selfCheck as FunctionHandle<"action">,
      {},
      {
        name: "selfCheck",
        onComplete: internal.selfChecks.recordOutcome,
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

export const latest = query({
  args: {},
  handler: async (ctx) => ctx.db.query("selfChecks").order("desc").first(),
});
