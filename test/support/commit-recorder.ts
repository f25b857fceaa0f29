// What every batch mutation committed, as its transaction saw it (rows covered, events, argument
// bytes, Convex's transaction metrics), and every Convex limit a batch ran into. A test installs it
// with `vi.mock("../../src/server/commit-events.ts", ...)`: every batch commits through there.
import { isTransactionLimitError } from "../../src/replay/batch-sizer.ts";
import { eventColumns } from "../../src/replay/event-columns.ts";
import type * as CommitEvents from "../../src/server/commit-events.ts";

export interface RecordedCommit {
  lastPosition: number;
  /** Rows the batch covers: events for the handlers, skipped and filtered ones. */
  rows: number;
  events: number;
  /** The batch's events as JSON: about what their columns weigh as the mutation's arguments. */
  argumentBytes: number;
  indexRanges: number;
  bytesRead: number;
  bytesWritten: number;
  documentsWritten: number;
}

export const recorded = { commits: [] as RecordedCommit[], limitErrors: [] as string[] };

export function resetRecorded(): void {
  recorded.commits = [];
  recorded.limitErrors = [];
}

export function recordingCommits(original: typeof CommitEvents): typeof CommitEvents {
  return {
    ...original,
    commitEvents: async (ctx, wiring, rebuildId, rebuild, input) => {
      try {
        const result = await original.commitEvents(ctx, wiring, rebuildId, rebuild, input);
        const metrics = await ctx.meta.getTransactionMetrics();
        recorded.commits.push({
          lastPosition: input.lastPosition,
          rows: input.events.length + input.skipped + input.filtered,
          events: input.events.length,
          argumentBytes: JSON.stringify(eventColumns(input.events)).length,
          indexRanges: metrics.databaseQueries.used,
          bytesRead: metrics.bytesRead.used,
          bytesWritten: metrics.bytesWritten.used,
          documentsWritten: metrics.documentsWritten.used,
        });
        return result;
      } catch (error) {
        if (isTransactionLimitError(error)) recorded.limitErrors.push((error as Error).message);
        throw error;
      }
    },
  };
}
