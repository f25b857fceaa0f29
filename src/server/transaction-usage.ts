// How much of the limits batches are sized by a transaction has used so far, and the limits
// themselves (used + remaining: the deployment's own, or the tighter ones a test sets).
import type { GenericMutationCtx } from "convex/server";
import type { TransactionUsage } from "../replay/batch-footprint.ts";

export async function transactionUsage(ctx: GenericMutationCtx<any>): Promise<TransactionUsage> {
  const metrics = await ctx.meta.getTransactionMetrics();
  const usage = ({ used, remaining }: { used: number; remaining: number }) => ({ used, limit: used + remaining });
  return {
    indexRanges: usage(metrics.databaseQueries),
    bytesRead: usage(metrics.bytesRead),
    bytesWritten: usage(metrics.bytesWritten),
    documentsWritten: usage(metrics.documentsWritten),
    functionsScheduled: usage(metrics.functionsScheduled),
  };
}
