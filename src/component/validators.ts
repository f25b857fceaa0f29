// Validators declared once and used for both runtime checks and types (Infer<typeof …>).
import { v, type Infer } from "convex/values";
import { vEventRecord } from "./event-validators.ts";

export const vFilter = v.object({
  /** Inclusive, epoch ms. */
  fromMs: v.optional(v.number()),
  /** Exclusive, epoch ms. */
  toMs: v.optional(v.number()),
  eventTypes: v.optional(v.array(v.string())),
  /** Attribute → accepted values, e.g. { cdn: ["CDN1"], device: ["Android"] }. */
  attributes: v.optional(v.record(v.string(), v.array(v.string()))),
});
export type Filter = Infer<typeof vFilter>;

export const vErrorPolicy = v.union(v.literal("fail"), v.literal("dead-letter"), v.literal("dead-letter-key"));

/**
 * What a verify run may find and still be promoted by itself: differences only in `mayChange`, in at
 * most `maxChangedShare` of the documents compared, and no document missing or added.
 */
export const vVerifyExpectation = v.object({
  mayChange: v.array(v.string()),
  maxChangedShare: v.number(),
});
export type VerifyExpectation = Infer<typeof vVerifyExpectation>;

export const vRebuildOptions = v.object({
  filter: v.optional(vFilter),
  dryRun: v.optional(v.boolean()),
  /** Ceiling in events per second, honoured on average over a chunk. */
  rateLimit: v.optional(v.number()),
  errorPolicy: v.optional(vErrorPolicy),
  /** Name of the generation a filtered replay writes to (never swapped in). */
  target: v.optional(v.string()),
  /** `verify`: rebuild into a shadow generation and diff it with the active one, without swapping. */
  mode: v.optional(v.union(v.literal("rebuild"), v.literal("verify"))),
  /** Verify only: keep the shadow generation for inspection or promotion instead of discarding it. */
  keepShadow: v.optional(v.boolean()),
  /** Verify only: promote the shadow when the differences stay within this; keep it otherwise. */
  promoteWithin: v.optional(vVerifyExpectation),
  /** Lanes of the archive phase (1 to MAX_LANES): projections that declare a lane key only. */
  lanes: v.optional(v.number()),
});
export type RebuildOptions = Infer<typeof vRebuildOptions>;

export const vRebuildState = v.union(
  v.literal("running"),
  v.literal("paused"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("cancelled"),
);
export type RebuildState = Infer<typeof vRebuildState>;
export const ACTIVE_STATES: RebuildState[] = ["running", "paused"];

/** Where a rebuild is: planning the archive scan, replaying it, catching up with the live events table, done. */
export const vRebuildPhase = v.union(
  v.literal("planning"),
  v.literal("archive"),
  v.literal("tail"),
  v.literal("diffing"),
  v.literal("finishing"),
);

export const vCounters = v.object({
  /** Rows read from the archive: applied + skipped + filtered + invalid + failed. */
  found: v.number(),
  applied: v.number(),
  /** Event types the projection does not consume. */
  skipped: v.number(),
  /** Dropped by the rebuild's filter. */
  filtered: v.number(),
  /** Malformed events (bad JSON, schema, version, upcaster): transform errors. */
  invalid: v.number(),
  /** The handler threw. */
  failed: v.number(),
  deadLettered: v.number(),
  /** Chunk attempts beyond the first (transient errors, crashes, redeploys). */
  retried: v.number(),
});
export type Counters = Infer<typeof vCounters>;

export const ZERO_COUNTERS: Counters = {
  found: 0,
  applied: 0,
  skipped: 0,
  filtered: 0,
  invalid: 0,
  failed: 0,
  deadLettered: 0,
  retried: 0,
};

/** What one batch wrote to the read model (handlers' writes, measured before the checkpoint advances). */
export const vBatchWrites = v.object({ documentsWritten: v.number(), bytesWritten: v.number() });

/** What a rebuild's batches wrote so far, summed: the per-event figures a pre-flight plan estimates from. */
export const vWriteUsage = v.object({ batches: v.number(), ...vBatchWrites.fields });

export const vRate = v.object({ eventsPerSecond: v.number(), processed: v.number(), atMs: v.number() });

/** A chunk on the replay pool: of a rebuild, or of one lane of it. */
export const vChunkInFlight = v.object({ workId: v.string(), attempts: v.number(), enqueuedAt: v.number() });

/** A lane's checkpoint and progress: what a rebuild holds for itself outside its lanes. */
export const vLaneProgress = v.object({
  /** Global position of the last row the lane's committed batches covered. */
  cursor: v.union(v.number(), v.null()),
  processed: v.number(),
  counters: vCounters,
  usage: v.optional(vWriteUsage),
  rate: vRate,
  updatedAt: v.number(),
  /** Its share of the archive is committed. */
  done: v.boolean(),
  chunk: v.optional(vChunkInFlight),
});
export type LaneProgress = Infer<typeof vLaneProgress>;

export const vRebuildError = v.object({
  message: v.string(),
  eventId: v.optional(v.string()),
  position: v.optional(v.number()),
  eventType: v.optional(v.string()),
  file: v.optional(v.string()),
  at: v.number(),
});
export type RebuildError = Infer<typeof vRebuildError>;

export const vActor = v.object({ subject: v.string(), name: v.optional(v.string()) });
export type Actor = Infer<typeof vActor>;

export const vPruning = v.object({
  dataFiles: v.number(),
  dataFilesSkipped: v.number(),
  rowGroups: v.number(),
  rowGroupsSkipped: v.number(),
  rows: v.number(),
  rowsSkipped: v.number(),
});

export const vDiffSample = v.object({
  key: v.string(),
  kind: v.union(v.literal("only_in_active"), v.literal("only_in_shadow"), v.literal("changed")),
  /** Changed fields (kind `changed`). */
  fields: v.optional(v.array(v.string())),
  /** Bounded previews of the two sides (src/replay/diff-sample.ts), not whole documents. */
  active: v.optional(v.any()),
  shadow: v.optional(v.any()),
  /** A value, field, field name or the key was cut to keep the sample small. */
  truncated: v.optional(v.boolean()),
});
export type DiffSample = Infer<typeof vDiffSample>;

/** A verify run's comparison of its shadow generation with the active one. */
export const vVerifyResult = v.object({
  activeGeneration: v.union(v.number(), v.null()),
  compared: v.number(),
  onlyInActive: v.number(),
  onlyInShadow: v.number(),
  changed: v.number(),
  /** The first differences found, capped at VERIFY_SAMPLE_LIMIT. */
  samples: v.array(vDiffSample),
  /** Last key compared (the diff goes in key order, a batch per transaction). */
  diffCursor: v.union(v.string(), v.null()),
  /** Every field that differs in at least one document compared (a document has 1,024 fields at most). */
  changedFields: v.optional(v.array(v.string())),
  /** Against the rebuild's `promoteWithin`: whether it held, and what broke it. */
  verdict: v.optional(v.object({ within: v.boolean(), reasons: v.array(v.string()) })),
  shadow: v.union(v.literal("diffing"), v.literal("kept"), v.literal("discarded"), v.literal("promoted")),
});
export type VerifyResult = Infer<typeof vVerifyResult>;

/** What `runSelfCheck` (src/archive/self-check.ts) reports: one step per decoder, writer and the archive. */
export const vSelfCheckReport = v.object({
  ok: v.boolean(),
  summary: v.string(),
  archive: v.union(v.string(), v.null()),
  runtime: v.string(),
  steps: v.array(
    v.object({
      name: v.string(),
      ok: v.boolean(),
      durationMs: v.number(),
      target: v.string(),
      detail: v.optional(v.string()),
      error: v.optional(v.string()),
      check: v.optional(v.string()),
    }),
  ),
});

/** An event a rebuild with a dead-letter policy set aside, and why. */
export const vDeadLetter = v.object({
  eventId: v.string(),
  position: v.number(),
  eventType: v.string(),
  eventVersion: v.number(),
  kind: v.string(),
  reason: v.string(),
  /** `dead-letter-key`: the read-model keys (encoded) the event parks. */
  keys: v.optional(v.array(v.string())),
  /** `dead-letter-key`: the event itself, so that a re-drive can apply it after a fix. */
  event: v.optional(vEventRecord),
});
export type DeadLetterInput = Infer<typeof vDeadLetter>;

/** Who did what, and how it ended. Ids cross the component boundary as strings. */
export const vAuditEntry = v.object({
  actor: vActor,
  action: v.string(),
  outcome: v.string(),
  projection: v.optional(v.string()),
  rebuildId: v.optional(v.string()),
  details: v.optional(v.string()),
});

/**
 * The app's functions the engine runs, as function handles (`createFunctionHandle`): the app
 * passes them with every call that may start work, so they follow its deploys.
 */
export const vAppFunctions = v.object({
  /** Node action `{ rebuildId }`: pins the archive snapshot and plans the scan. */
  plan: v.string(),
  /** Node action `{ rebuildId }`: one chunk of a rebuild. */
  chunk: v.string(),
  /** Mutation `{ projection, generation }`: deletes a page of one generation's read-model documents. */
  deleteGeneration: v.string(),
  /** Node action `{}`: the deployment's self-check probe. */
  selfCheck: v.string(),
  /** The app's mutation or action taking a `vRebuildNotification`, if it has one. */
  notify: v.optional(v.string()),
  /** How many chunks the replay pool runs at once, lanes included (REPROJECT_REPLAY_PARALLELISM); default 3. */
  replayParallelism: v.optional(v.number()),
});

/** What the app's `notify` function receives when a rebuild needs attention or is done. */
export const vRebuildNotification = v.object({
  kind: v.union(v.literal("completed"), v.literal("failed"), v.literal("stalled"), v.literal("waiting_for_operator")),
  projection: v.string(),
  rebuildId: v.string(),
  mode: v.union(v.literal("rebuild"), v.literal("verify")),
  state: v.string(),
  processed: v.number(),
  /** Exact once planned; null before. */
  total: v.union(v.number(), v.null()),
  /** A failure's message, or what the operator is waited for. */
  reason: v.union(v.string(), v.null()),
  at: v.number(),
});
export type RebuildNotification = Infer<typeof vRebuildNotification>;
export type AppFunctions = Infer<typeof vAppFunctions>;

/** What one page of a generation's deletion did: `done` once nothing of the generation is left. */
export const vGenerationDeletionPage = v.object({ deleted: v.number(), done: v.boolean() });
export type GenerationDeletionPage = Infer<typeof vGenerationDeletionPage>;

/** The actor of what the engine does by itself (automatic rebuilds, completions, maintenance). */
export const vStall = v.object({
  /** When the watchdog found the rebuild with no chunk in flight and no progress. */
  detectedAt: v.number(),
  /** The rebuild's `updatedAt` then: the rebuild is stalled until it moves past it. */
  lastProgressAt: v.number(),
  /** How many times the watchdog resumed it. */
  resumes: v.number(),
  /** Why the watchdog could not resume it (the replay pool refused the chunk). */
  error: v.optional(v.string()),
});

export const SYSTEM: Actor = { subject: "system", name: "Reproject" };

/** Differences a verify run keeps as samples. */
export const VERIFY_SAMPLE_LIMIT = 20;

export const vPinnedSnapshots = v.object({
  /** Snapshot ids (as strings: they exceed 2^53) that expiry must keep. */
  snapshotIds: v.array(v.string()),
  /** Running or paused rebuilds still planning: about to pin a snapshot not known yet. */
  planning: v.array(v.string()),
  rebuilds: v.array(
    v.object({
      rebuildId: v.string(),
      projection: v.string(),
      state: v.string(),
      phase: v.string(),
      snapshotId: v.union(v.string(), v.null()),
    }),
  ),
});
export type PinnedSnapshots = Infer<typeof vPinnedSnapshots>;

/** A projection as the app's code declares it now. */
export const vProjectionCode = v.object({
  name: v.string(),
  version: v.number(),
  /** The app's event log's last position now (0 before the log starts). */
  logPosition: v.optional(v.number()),
  /** Its version bumps run as verify runs, promoted when their differences stay within this. */
  verifyBumps: v.optional(vVerifyExpectation),
  /** Lanes of its rebuilds when they do not ask (it declares a lane key); absent: one chain. */
  lanes: v.optional(v.number()),
});
export type ProjectionCode = Infer<typeof vProjectionCode>;

/** How a pre-flight figure was obtained: measured on earlier rebuilds, from the complexity class or the rate limit, or not at all. */
export const vEstimateBasis = v.union(
  v.literal("measured"),
  v.literal("complexity_class"),
  v.literal("rate_limit"),
  v.literal("dry_run"),
  v.literal("none"),
);

/** A pre-flight plan's estimate of a rebuild's duration and Convex usage (src/component/estimates.ts). */
export const vRebuildEstimate = v.object({
  /** The earlier completed rebuilds the measured figures come from, newest first. */
  measuredOn: v.array(v.string()),
  duration: v.object({
    seconds: v.union(v.number(), v.null()),
    eventsPerSecond: v.union(v.number(), v.null()),
    basis: vEstimateBasis,
    note: v.string(),
  }),
  mutations: v.object({ count: v.number(), eventsPerMutation: v.number(), basis: vEstimateBasis }),
  documentsWritten: v.object({
    count: v.union(v.number(), v.null()),
    perEvent: v.union(v.number(), v.null()),
    basis: vEstimateBasis,
  }),
  bytesWritten: v.object({
    count: v.union(v.number(), v.null()),
    perEvent: v.union(v.number(), v.null()),
    basis: vEstimateBasis,
  }),
});
export type RebuildEstimate = Infer<typeof vRebuildEstimate>;
