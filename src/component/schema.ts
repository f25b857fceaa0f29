import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vAppFunctions,
  vAuditEntry,
  vDeadLetter,
  vActor,
  vCounters,
  vErrorPolicy,
  vFilter,
  vLaneProgress,
  vPruning,
  vRate,
  vRebuildError,
  vRebuildPhase,
  vRebuildState,
  vSelfCheckReport,
  vVerifyExpectation,
  vStall,
  vVerifyResult,
  vWriteUsage,
} from "./validators.ts";

export default defineSchema({
  /** One per projection in the registry: which generation of its read model serves queries. */
  projections: defineTable({
    name: v.string(),
    version: v.number(),
    /** The generation queries read; null until the first rebuild completes. */
    activeGeneration: v.union(v.number(), v.null()),
    /** Highest generation number handed out (generations are never reused). */
    lastGeneration: v.number(),
    /** Set when the code's version differs from the one the active generation was built with. */
    staleSince: v.optional(v.number()),
    builtVersion: v.optional(v.number()),
    lastRebuildId: v.optional(v.id("rebuilds")),
    /** A verify run's shadow generation that live appends keep up to date (while diffing, or kept). */
    shadowGeneration: v.optional(v.number()),
    /** The version of the handlers that built the shadow: live appends of another version leave it alone. */
    shadowVersion: v.optional(v.number()),
    /**
     * Set by the first live append after a deploy changed the version: the active generation holds the
     * events up to this position and no later ones until the rebuild at the code's version swaps in.
     */
    frozenAfter: v.optional(v.number()),
    /** The code version an automatic rebuild was started for: at most one per version, never a loop. */
    autoRebuildVersion: v.optional(v.number()),
    /** Retries of that automatic rebuild after it failed (automaticRebuilds.ts), bounded. */
    autoRebuildRetries: v.optional(v.number()),
    /** Set when that automatic rebuild failed after its last retry; cleared when a rebuild of the version completes. */
    autoRebuildFailedAt: v.optional(v.number()),
    /** Set when the projection left the code's registry; its data is kept until an admin deletes it. */
    removedAt: v.optional(v.number()),
    /**
     * The event log's last position when the projection first reached the engine: live processing
     * never saw the events after it until a generation is active, so a gated rebuild schedules their effects.
     */
    effectsFrom: v.optional(v.number()),
    /** The rebuild whose chunk is on the replay pool: at most one per projection, whatever rebuild it is of. */
    chunkInFlight: v.optional(v.id("rebuilds")),
  }).index("by_name", ["name"]),

  /** A rebuild and its checkpoint: the cursor advances in the transaction that applies each batch. */
  rebuilds: defineTable({
    projection: v.string(),
    version: v.number(),
    generation: v.number(),
    state: vRebuildState,
    phase: vRebuildPhase,
    filter: v.optional(vFilter),
    dryRun: v.boolean(),
    rateLimit: v.optional(v.number()),
    errorPolicy: vErrorPolicy,
    /** Named generation of a filtered replay; such a rebuild never replaces the active read model. */
    target: v.optional(v.string()),
    mode: v.optional(v.union(v.literal("rebuild"), v.literal("verify"))),
    keepShadow: v.optional(v.boolean()),
    promoteWithin: v.optional(vVerifyExpectation),
    verify: v.optional(vVerifyResult),
    archive: v.object({ location: v.string(), snapshotId: v.optional(v.string()) }),
    /** Exact once planned. */
    total: v.optional(v.number()),
    /** What the plan's pushdown skipped (partitions, file bounds, row-group statistics). */
    pruning: v.optional(vPruning),
    processed: v.number(),
    /** Global position of the last event covered by a committed batch. */
    cursor: v.union(v.number(), v.null()),
    /** Highest position in the pinned archive snapshot: the live tail starts after it. */
    archiveHighWaterMark: v.optional(v.number()),
    counters: vCounters,
    /** Absent on rebuilds stored before batches measured their writes. */
    usage: v.optional(vWriteUsage),
    rate: vRate,
    startedAt: v.number(),
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
    lastError: v.optional(vRebuildError),
    triggeredBy: vActor,
    /** The chunk in flight on the replay pool, if any (at most one per projection). */
    chunk: v.optional(v.object({ workId: v.string(), attempts: v.number(), enqueuedAt: v.number() })),
    /** The watchdog's last finding: no chunk in flight and no progress (the chunk chain broke). */
    stall: v.optional(vStall),
    /**
     * Its archive phase runs in this many lanes (`rebuildLanes`), each with its own checkpoint and
     * chain of chunks; their counters are added into this document when the last lane is done.
     */
    lanes: v.optional(v.number()),
  })
    .index("by_projection_state", ["projection", "state"])
    .index("by_state", ["state"])
    .index("by_projection", ["projection"]),

  /**
   * One lane of a rebuild's archive phase: the events whose lane key hashes to it (src/replay/lanes.ts),
   * with its own checkpoint, counters and chunk in flight, so that lanes never write the same document.
   */
  rebuildLanes: defineTable({
    rebuildId: v.id("rebuilds"),
    lane: v.number(),
    ...vLaneProgress.fields,
  }).index("by_rebuild_lane", ["rebuildId", "lane"]),

  /**
   * Results of `reproject:startSelfCheck`: `outcome` says whether the Node action ran on the replay pool,
   * `report` what it found (decoders, writer, the archive's metadata), step by step.
   */
  selfChecks: defineTable({
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
    outcome: v.union(v.literal("pending"), v.literal("success"), v.literal("failed"), v.literal("canceled")),
    report: v.optional(vSelfCheckReport),
    /** Written by checks before the report existed; kept so their documents still pass the schema. */
    nodeVersion: v.optional(v.string()),
    error: v.optional(v.string()),
  }),

  /** One document: the app's functions the engine runs (as function handles), as the app last passed them. */
  appFunctions: defineTable(vAppFunctions.fields),

  /**
   * The scan a rebuild planned at trigger time (JSON, BigInt-safe): pinned snapshot, schema, predicate
   * and each page's last position; its slices are in `rebuildPlanPages`.
   */
  rebuildPlans: defineTable({ rebuildId: v.string(), planJson: v.string() }).index("by_rebuild", ["rebuildId"]),

  /** A plan's slices, a bounded number of bytes per page (src/replay/plan-pages.ts), in position order. */
  rebuildPlanPages: defineTable({ rebuildId: v.string(), page: v.number(), slicesJson: v.string() }).index(
    "by_rebuild_page",
    ["rebuildId", "page"],
  ),

  /**
   * A rebuild's progress over time (src/component/samples.ts), at most a few hundred per rebuild.
   * `kept` and `intervalMs` are the sampling's state, read from the latest sample only.
   */
  rebuildSamples: defineTable({
    rebuildId: v.string(),
    /** The lane whose progress it samples, during a laned archive phase; absent: the rebuild's own. */
    lane: v.optional(v.number()),
    at: v.number(),
    processed: v.number(),
    eventsPerSecond: v.number(),
    kept: v.number(),
    intervalMs: v.number(),
  }).index("by_rebuild_lane_at", ["rebuildId", "lane", "at"]),

  /** Events a rebuild with the dead-letter policy could not apply, with the reason; the rebuild went on. */
  deadLetters: defineTable({
    rebuildId: v.string(),
    projection: v.string(),
    ...vDeadLetter.fields,
    at: v.number(),
    /** When a re-drive applied it; a letter that failed again stays without, with the new reason. */
    redrivenAt: v.optional(v.number()),
  })
    .index("by_rebuild", ["rebuildId"])
    .index("by_rebuild_position", ["rebuildId", "position"])
    .index("by_rebuild_redriven_position", ["rebuildId", "redrivenAt", "position"]),

  /**
   * A read-model key (encoded) a `dead-letter-key` rebuild parked: its later events are dead-lettered
   * too, until a re-drive applies all of them (`pending` counts its letters still set aside).
   */
  parkedKeys: defineTable({
    rebuildId: v.string(),
    /** The rebuild's generation: live appends into it respect its parked keys. */
    projection: v.string(),
    generation: v.number(),
    key: v.string(),
    /** The event id of the key's first letter still set aside. */
    behind: v.string(),
    pending: v.number(),
    /** The re-drive in which a letter of this key failed again: its later letters wait for the next. */
    blockedBy: v.optional(v.string()),
  })
    .index("by_rebuild_key", ["rebuildId", "key"])
    .index("by_generation_key", ["projection", "generation", "key"]),

  /** Re-driving a rebuild's dead letters into its generation, a bounded batch per transaction. */
  redrives: defineTable({
    rebuildId: v.string(),
    projection: v.string(),
    state: v.union(v.literal("running"), v.literal("completed"), v.literal("failed")),
    /** The last letter position a batch went through. */
    cursor: v.union(v.number(), v.null()),
    applied: v.number(),
    failedAgain: v.number(),
    actor: vActor,
    lastError: v.optional(v.string()),
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
  }).index("by_rebuild_state", ["rebuildId", "state"]),

  /**
   * A generation being deleted in the background, a page per transaction; removed once done. A
   * page that failed is retried with backoff; after the last attempt the deletion stays `failed`.
   */
  generationDeletions: defineTable({
    projection: v.string(),
    generation: v.number(),
    state: v.union(v.literal("deleting"), v.literal("retrying"), v.literal("failed")),
    /** Failed attempts at the current page. */
    attempts: v.number(),
    deleted: v.number(),
    lastError: v.optional(v.string()),
    retryAt: v.optional(v.number()),
    requestedAt: v.number(),
    updatedAt: v.number(),
  }).index("by_projection_generation", ["projection", "generation"]),

  /** One document: the app's archive maintenance run last scheduled (a `_scheduled_functions` id of the app). */
  maintenanceRuns: defineTable({ jobId: v.string(), startedAt: v.number() }),

  /** Who did what to which projection or rebuild, and how it ended (refusals included). */
  auditLog: defineTable({ at: v.number(), ...vAuditEntry.fields }).index("by_at", ["at"]),
});
