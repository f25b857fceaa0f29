"use node";
// One chunk of a rebuild: seconds of work in a single action. It streams the planned archive slices
// after the checkpoint and commits them batch by batch through `applyBatch`, each batch sized to
// stay inside Convex's transaction limits. It stops at a batch boundary when the rebuild is paused
// or cancelled, when its time budget is spent, or when the archive is done.
import { v } from "convex/values";
import { ArchiveTable } from "../../src/archive/table.ts";
import { eventsFromBatch } from "../../src/replay/archive-events.ts";
import { BatchSizer, isTransactionLimitError } from "../../src/replay/batch-sizer.ts";
import { eventMatchesFilter, type ReplayFilter } from "../../src/replay/filter.ts";
import { deserializePlan } from "../../src/replay/plan-json.ts";
import type { AnyProjection, EventRecord } from "../../src/registry/index.ts";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { registry } from "../projections";
import { failFastOnPermanentErrors } from "./permanentErrors";

/** Long enough that the ~200 ms of Workpool scheduling per chunk is noise; far from the 10 min limit. */
export const DEFAULT_CHUNK_BUDGET_MS = 30_000;

/** A contiguous run of archive rows in position order, committed as one batch. */
interface PendingRun {
  events: EventRecord[];
  /** Positions of rows not sent to the handlers, kept so that a split run counts each row once. */
  skippedPositions: number[];
  filteredPositions: number[];
  lastPosition: number | null;
}

class ChunkStopped extends Error {}

export const run = internalAction({
  args: { rebuildId: v.id("rebuilds") },
  returns: v.null(),
  handler: (ctx, { rebuildId }) => failFastOnPermanentErrors(() => runChunk(ctx, rebuildId)),
});

async function runChunk(ctx: ActionCtx, rebuildId: Id<"rebuilds">): Promise<null> {
  const input = await ctx.runMutation(internal.replay.lifecycle.beginChunk, { rebuildId });
  if (!input || input.phase !== "archive") return null;
  const projection: AnyProjection = registry.require(input.projection);
  const committer = new BatchCommitter(
    ctx,
    rebuildId,
    input.cursor,
    new BatchSizer(projection.eventsPerMutation),
    input.rateLimit,
  );
  const plan = input.planJson ? deserializePlan(input.planJson) : null;
  const budget = chunkBudget();
  const deadline = Date.now() + budget.ms;
  const filter: ReplayFilter | undefined = input.filter ?? undefined;
  const consumed = new Set(projection.eventTypes);
  let run: PendingRun = emptyRun();
  try {
    if (plan) {
      const table = await ArchiveTable.open(input.archiveLocation);
      // Row-level filtering happens here, on events with positions, so that every filtered row is
      // counted once and only in the batch that covers its position; the plan already pruned.
      const scan = table.scan({ ...plan, predicate: [] }, { after: input.cursor ?? undefined });
      for await (const batch of scan) {
        for (const event of eventsFromBatch(batch)) {
          if (!eventMatchesFilter(event, filter)) run.filteredPositions.push(event.globalPosition);
          else if (consumed.has(event.eventType)) run.events.push(event);
          else run.skippedPositions.push(event.globalPosition);
          run.lastPosition = event.globalPosition;
          if (run.events.length >= committer.batchSize) {
            await committer.commit(run);
            run = emptyRun();
            if (Date.now() >= deadline || committer.batches >= budget.batches) return null;
          }
        }
      }
    }
    if (run.lastPosition !== null) await committer.commit(run);
    await ctx.runMutation(internal.replay.lifecycle.finishArchive, { rebuildId, expectedCursor: committer.cursor });
  } catch (error) {
    if (error instanceof ChunkStopped) return null;
    throw error;
  }
  return null;
}

function emptyRun(): PendingRun {
  return { events: [], skippedPositions: [], filteredPositions: [], lastPosition: null };
}

/** How much one chunk does before handing over to the next: REPROJECT_CHUNK_BUDGET_MS, REPROJECT_CHUNK_MAX_BATCHES. */
function chunkBudget(): { ms: number; batches: number } {
  const positive = (value: string | undefined, fallback: number) => {
    const number = Number(value);
    return Number.isFinite(number) && number > 0 ? number : fallback;
  };
  return {
    ms: positive(process.env.REPROJECT_CHUNK_BUDGET_MS, DEFAULT_CHUNK_BUDGET_MS),
    batches: positive(process.env.REPROJECT_CHUNK_MAX_BATCHES, Infinity),
  };
}

/** Commits runs in order, splitting one that hits a transaction limit and honouring the rate limit. */
class BatchCommitter {
  private readonly startedAt = Date.now();
  private eventsCommitted = 0;
  batches = 0;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly rebuildId: Id<"rebuilds">,
    public cursor: number | null,
    private readonly sizer: BatchSizer,
    private readonly rateLimit: number | null,
  ) {}

  get batchSize(): number {
    return this.sizer.size;
  }

  async commit(run: PendingRun): Promise<void> {
    const started = Date.now();
    let outcome;
    try {
      outcome = await this.ctx.runMutation(internal.replay.lifecycle.applyBatch, {
        rebuildId: this.rebuildId,
        expectedCursor: this.cursor,
        lastPosition: run.lastPosition!,
        events: run.events,
        skipped: run.skippedPositions.length,
        filtered: run.filteredPositions.length,
      });
    } catch (error) {
      if (!isTransactionLimitError(error)) throw error;
      if (run.events.length <= 1) {
        throw new Error(`a single event does not fit in one Convex transaction: ${(error as Error).message}`);
      }
      this.sizer.afterLimitError();
      for (const part of splitRun(run)) await this.commit(part);
      return;
    }
    if (outcome.status === "stopped" || outcome.status === "failed") throw new ChunkStopped(outcome.status);
    if (outcome.status === "duplicate") {
      // Another attempt of this chunk already committed past here: stop, the chain resumes from the checkpoint.
      throw new ChunkStopped("duplicate");
    }
    this.cursor = outcome.cursor;
    this.batches++;
    this.sizer.afterSuccess(Date.now() - started);
    this.eventsCommitted += run.events.length + run.skippedPositions.length + run.filteredPositions.length;
    await this.honourRateLimit();
  }

  private async honourRateLimit(): Promise<void> {
    if (!this.rateLimit) return;
    const dueMs = (this.eventsCommitted / this.rateLimit) * 1000;
    const aheadMs = dueMs - (Date.now() - this.startedAt);
    if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
  }
}

/** Halves a run at an event boundary; every other row goes with the half its position falls in. */
function splitRun(run: PendingRun): PendingRun[] {
  const middle = Math.floor(run.events.length / 2);
  if (middle === 0) return [run];
  const boundary = run.events[middle - 1]!.globalPosition;
  const upTo = (positions: number[]) => positions.filter((position) => position <= boundary);
  const after = (positions: number[]) => positions.filter((position) => position > boundary);
  return [
    {
      events: run.events.slice(0, middle),
      skippedPositions: upTo(run.skippedPositions),
      filteredPositions: upTo(run.filteredPositions),
      lastPosition: boundary,
    },
    {
      events: run.events.slice(middle),
      skippedPositions: after(run.skippedPositions),
      filteredPositions: after(run.filteredPositions),
      lastPosition: run.lastPosition,
    },
  ];
}
