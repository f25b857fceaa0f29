// Arguments and answers of the app-side functions the engine calls from one function to another
// (chunk action → batch mutation, archiver action → its queries): declared once, for the functions'
// validators and for the typed references in references.ts.
import { v } from "convex/values";
import { vPruning } from "../component/validators.ts";
import { vEventColumns, vEventRecord } from "../component/event-validators.ts";

export const storePlanArgs = {
  rebuildId: v.string(),
  /** The plan's header; its slices are in the pages stored before it. */
  planJson: v.string(),
  pageCount: v.number(),
  snapshotId: v.optional(v.string()),
  total: v.number(),
  pruning: v.optional(vPruning),
  archiveHighWaterMark: v.number(),
};

/** One batch of a re-drive: the letters after `expectedCursor` (the re-drive's cursor, else a batch run twice). */
export const redriveBatchArgs = {
  redriveId: v.string(),
  expectedCursor: v.union(v.number(), v.null()),
};

export const applyBatchArgs = {
  rebuildId: v.string(),
  /** The lane whose checkpoint the batch advances, in a rebuild's laned archive phase. */
  lane: v.optional(v.number()),
  expectedCursor: v.union(v.number(), v.null()),
  lastPosition: v.number(),
  events: vEventColumns,
  skipped: v.number(),
  filtered: v.number(),
};

const vMetricUsage = v.object({ used: v.number(), limit: v.number() });

/** A batch transaction's usage of the limits batches are sized by (src/replay/batch-footprint.ts). */
export const vTransactionUsage = v.object({
  indexRanges: vMetricUsage,
  bytesRead: vMetricUsage,
  bytesWritten: vMetricUsage,
  documentsWritten: vMetricUsage,
  functionsScheduled: vMetricUsage,
});

export const vBatchOutcome = v.union(
  v.object({ status: v.literal("applied"), cursor: v.number(), usage: vTransactionUsage }),
  v.object({ status: v.literal("duplicate"), cursor: v.union(v.number(), v.null()) }),
  v.object({ status: v.literal("stopped"), state: v.string() }),
  v.object({ status: v.literal("failed"), reason: v.string() }),
);

export const finishTailArgs = {
  rebuildId: v.string(),
  expectedCursor: v.union(v.number(), v.null()),
  /** The log's last position, read before the call: the handover must find every position up to it. */
  through: v.number(),
};

export const vTailOutcome = v.union(
  v.object({ status: v.literal("completed") }),
  v.object({ status: v.literal("diffing") }),
  v.object({ status: v.literal("behind") }),
  v.object({ status: v.literal("stopped"), state: v.string() }),
  v.object({ status: v.literal("failed"), reason: v.string() }),
);

export const eventsAfterArgs = { after: v.number(), limit: v.number() };
export const vEventRecords = v.array(vEventRecord);
/** A page of the events table: `cut` when it stopped at its bytes before its count (more may follow at once). */
export const vEventPage = v.object({ rows: vEventRecords, cut: v.boolean() });

export const diffBatchArgs = { rebuildId: v.string() };
export const vDiffBatchAnswer = v.object({ done: v.boolean() });

export const deleteGenerationArgs = { projection: v.string(), generation: v.number() };

export const vEventLogStart = v.object({ lastPosition: v.number(), archivedThrough: v.number() });
export const vEventLogState = v.union(v.null(), vEventLogStart);

export const startLogArgs = { archiveHighWaterMark: v.number() };
export const initializeLogArgs = { archiveHighWaterMark: v.optional(v.number()) };

export const eventsToArchiveArgs = { after: v.number(), cutoffMs: v.number(), limit: v.number() };

export const recordArchivedArgs = { through: v.number() };

export const vMaintenanceOperation = v.union(v.literal("compact"), v.literal("expire"), v.literal("cleanOrphans"));

export const vMaintenanceOutcome = v.union(
  v.literal("completed"),
  v.literal("nothing_to_do"),
  v.literal("deferred"),
  v.literal("failed"),
  v.literal("skipped"),
  v.literal("disabled"),
);

export const maintenanceRecordArgs = { operation: v.string(), outcome: vMaintenanceOutcome, details: v.string() };

export const maintainArgs = { operations: v.array(vMaintenanceOperation), nowMs: v.optional(v.number()) };
