// One chunk of a rebuild: seconds of work in a single action. It streams the planned archive slices
// (then the live events table) after the checkpoint and commits them batch by batch through
// `applyBatch`, each batch sized to stay inside Convex's transaction limits. Rows the handlers never
// see are committed by position too, every REPROJECT_CHECKPOINT_ROWS rows and when the budget is
// spent, so the checkpoint advances through stretches without a single event. It stops at a batch
// boundary when the rebuild is paused or cancelled, when its budget is spent, or when it is done.
// A lane's chunk reads the whole archive and takes the rows of its lane only (src/replay/lanes.ts);
// the tail is the rebuild's own chunk's, once every lane is done.
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v } from "convex/values";
import { ArchiveTable } from "../archive/table.ts";
import type { ChunkInput } from "../component/lifecycle.ts";
import type { AnyProjection, EventRecord } from "../registry/index.ts";
import { eventsFromBatch, type PassedRow } from "../replay/archive-events.ts";
import { BatchSizer, isTransactionLimitError } from "../replay/batch-sizer.ts";
import { eventColumns } from "../replay/event-columns.ts";
import { BatchFootprint } from "../replay/batch-footprint.ts";
import { addEvent, emptyRun, passBy, passOver, roleOf, rowsOf, splitRun, type EventRun } from "../replay/event-run.ts";
import { LaneKeyError, ownsEvent, ownsPosition } from "../replay/lanes.ts";
import { typedFilter, type TypedReplayFilter } from "../replay/filter.ts";
import { positionGap } from "../replay/position-gap.ts";
import { unfilteredRowTriage } from "../replay/row-triage.ts";
import { firstPageAfter, readPlanHeader, readPlanPage } from "../replay/plan-pages.ts";
import { gapFailure } from "../server/commit-events.ts";
import { numberSetting } from "../server/settings.ts";
import type { Wiring } from "../server/wiring.ts";
import { failFastOnPermanentErrors } from "./permanent-errors.ts";

/** Long enough that the ~200 ms of Workpool scheduling per chunk is noise; far from the 10 min limit. */
export const DEFAULT_CHUNK_BUDGET_MS = 30_000;
/** Rows read between checkpoints at most: a fraction of a second of scanning, one small mutation. */
export const DEFAULT_CHECKPOINT_ROWS = 100_000;

/** The chunk ends here, at a batch boundary; the next one (if any) starts from the checkpoint. */
class ChunkStopped extends Error {}

class BudgetSpent extends ChunkStopped {
  constructor() {
    super("budget spent");
  }
}

type ActionCtx = GenericActionCtx<any>;

export function chunkAction(wiring: Wiring) {
  return internalActionGeneric({
    args: { rebuildId: v.string(), lane: v.optional(v.number()) },
    returns: v.null(),
    handler: (ctx, { rebuildId, lane }) => failFastOnPermanentErrors(() => runChunk(ctx, wiring, rebuildId, lane)),
  });
}

async function runChunk(ctx: ActionCtx, wiring: Wiring, rebuildId: string, lane: number | undefined): Promise<null> {
  const { component, registry } = wiring;
  const laneArg = lane === undefined ? {} : { lane };
  const input = await ctx.runMutation(component.lifecycle.beginChunk, { rebuildId, ...laneArg });
  if (!input || (input.phase !== "archive" && input.phase !== "tail")) return null;
  const projection: AnyProjection = registry.require(input.projection);
  const chunk = new Chunk(ctx, wiring, rebuildId, input, projection);
  try {
    if (input.phase === "archive") {
      await chunk.replayArchive();
      await ctx.runMutation(component.lifecycle.finishArchive, { rebuildId, expectedCursor: chunk.cursor, ...laneArg });
      if (input.lane) return null;
    }
    await chunk.catchUpWithTail();
    await chunk.diffShadow();
  } catch (error) {
    if (error instanceof LaneKeyError) await failOnLaneKey(ctx, wiring, rebuildId, error);
    else if (!(error instanceof ChunkStopped)) throw error;
  }
  return null;
}

/** An event whose lane key cannot be computed fails the rebuild, pinned on the event; a fix resumes it. */
function failOnLaneKey(ctx: ActionCtx, { component }: Wiring, rebuildId: string, error: LaneKeyError) {
  const { event } = error;
  return ctx.runMutation(component.lifecycle.fail, {
    rebuildId,
    error: {
      message: error.message,
      eventId: event.eventId,
      position: event.globalPosition,
      eventType: event.eventType,
      at: Date.now(),
    },
  });
}

class Chunk {
  private readonly sizer: BatchSizer;
  /** What the pending run will cost its transaction. */
  private readonly footprint: BatchFootprint;
  private readonly budget = chunkSettings();
  private readonly deadline = Date.now() + this.budget.ms;
  private readonly startedAt = Date.now();
  private readonly filter: TypedReplayFilter | undefined;
  private readonly consumed: ReadonlySet<string>;
  private readonly tailPageSize: number;
  private rowsCommitted = 0;
  private batches = 0;
  /** Rows read and not committed yet. */
  private pending = emptyRun();
  cursor: number | null;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly wiring: Wiring,
    private readonly rebuildId: string,
    private readonly input: ChunkInput,
    private readonly projection: AnyProjection,
  ) {
    this.sizer = new BatchSizer(projection.eventsPerMutation);
    this.footprint = new BatchFootprint(projection);
    this.tailPageSize = projection.eventsPerMutation;
    this.filter = typedFilter(input.filter ?? undefined, wiring.envelope);
    this.consumed = new Set(projection.eventTypes);
    this.cursor = input.cursor;
  }

  async replayArchive(): Promise<void> {
    if (this.input.planJson && this.input.planJson !== "null") {
      const { header, inlineSlices } = readPlanHeader(this.input.planJson);
      const table = await ArchiveTable.open(this.input.archiveLocation);
      // Every page after the one the cursor is in holds only later positions: the same cursor applies to all.
      const after = this.cursor ?? undefined;
      // Row filtering happens here, on events with positions, so that every filtered row is counted
      // once, in the batch that covers it; the plan has already pruned what it could.
      // Without a filter, a row's type (and in a lane keyed by stream, its stream) decides whether the handlers see it.
      const triage = this.filter
        ? undefined
        : unfilteredRowTriage(this.consumed, this.projection.lanes, this.input.lane ?? undefined);
      for (let page = firstPageAfter(header.pageUppers, this.cursor); page < header.pageUppers.length; page++) {
        const slices =
          inlineSlices ??
          readPlanPage(
            await this.ctx.runQuery(this.wiring.component.lifecycle.planPage, { rebuildId: this.rebuildId, page }),
          );
        for await (const batch of table.scan({ ...header, slices, predicate: [] }, { after })) {
          await this.addAll(eventsFromBatch(batch, this.wiring.envelope, triage));
          // Checked once a row group, not only after commits: a scan that finds nothing for the
          // handlers must end within its budget too, with what it read committed by position.
          if (this.budgetSpent()) {
            await this.commitPending();
            throw new BudgetSpent();
          }
        }
      }
    }
    await this.commitPending();
  }

  /**
   * Adds rows to the pending run, committing it before an event that would take it past its
   * footprint, and once it is full or covers REPROJECT_CHECKPOINT_ROWS rows.
   */
  private async addAll(rows: Iterable<EventRecord | PassedRow>): Promise<void> {
    for (const row of rows) {
      if (!this.add(row)) {
        await this.commitPending();
        this.add(row);
      }
      if (this.pending.events.length >= this.sizer.size || rowsOf(this.pending) >= this.budget.checkpointRows) {
        await this.commitPending();
      }
    }
  }

  /**
   * Adds the row, unless it is an event that would take the pending batch past its footprint. A row
   * of another lane only moves the checkpoint past it.
   */
  private add(row: EventRecord | PassedRow): boolean {
    if ("passed" in row) {
      if (row.passed === "skipped") passOver(this.pending, "skipped", row.globalPosition);
      else passBy(this.pending, row.globalPosition);
      return true;
    }
    const lane = this.input.lane;
    const role = roleOf(row, this.filter, this.consumed);
    if (role !== "event") {
      if (lane && !ownsPosition(lane, row.globalPosition)) passBy(this.pending, row.globalPosition);
      else passOver(this.pending, role, row.globalPosition);
      return true;
    }
    if (lane && !ownsEvent(this.projection.lanes!, lane, row)) passBy(this.pending, row.globalPosition);
    else if (this.footprint.admit(row)) addEvent(this.pending, row);
    else return false;
    return true;
  }

  private async commitPending(): Promise<void> {
    const run = this.pending;
    if (run.lastPosition === null) return;
    const units = this.footprint.units;
    this.pending = emptyRun();
    this.footprint.clear();
    await this.commit(run, units);
  }

  /**
   * Replays the events table after the cursor until `finishTail` can hand over in one transaction.
   * Each round reads the log's last position first (its high-water mark), commits the pages up to it
   * while appends go on above it, then tries the handover, which takes what was appended meanwhile
   * if it fits one batch. A round processes the whole gap found at its start, so while appends come
   * slower than the rebuild applies them, each round's gap is smaller than the last one's.
   */
  async catchUpWithTail(): Promise<void> {
    const rebuild = await this.ctx.runQuery(this.wiring.component.lifecycle.beginTail, { rebuildId: this.rebuildId });
    if (!rebuild) return;
    this.cursor = rebuild.cursor;
    for (;;) {
      const mark = (await this.ctx.runQuery(this.wiring.refs.eventLogState, {}))?.lastPosition ?? 0;
      await this.commitTailThrough(mark);
      const outcome = await this.ctx.runMutation(this.wiring.refs.finishTail, {
        rebuildId: this.rebuildId,
        expectedCursor: this.cursor,
        through: mark,
      });
      if (outcome.status !== "behind") return;
      if (this.budgetSpent()) throw new BudgetSpent();
    }
  }

  /**
   * Commits the events table's pages up to `mark`, in batches cut like the archive's, so that the
   * handover's own batch holds only what was appended since: it cannot be cut. A page that skips a
   * position fails the rebuild (its read model would miss those events).
   */
  private async commitTailThrough(mark: number): Promise<void> {
    while ((this.cursor ?? 0) < mark) {
      // Tail pages stay within the class default even when archive batches have grown: a query
      // reads whole documents, whatever types the projection consumes.
      const after = this.cursor ?? 0;
      const limit = Math.min(this.sizer.size, this.tailPageSize, mark - after);
      const { rows: events, cut } = await this.ctx.runQuery(this.wiring.refs.eventsAfter, { after, limit });
      // A short page not cut at its bytes ends where the table does: every position from there to the mark is missing.
      const gap = positionGap(after, events, events.length < limit && !cut ? mark : undefined);
      if (gap) {
        const error = gapFailure(gap, after);
        await this.ctx.runMutation(this.wiring.component.lifecycle.fail, { rebuildId: this.rebuildId, error });
        throw new ChunkStopped(error.message);
      }
      try {
        await this.addAll(events);
        await this.commitPending();
      } catch (error) {
        // The handover is one transaction: once the tail reached its mark, it is tried whatever the budget.
        if (!(error instanceof BudgetSpent) || this.cursor !== mark) throw error;
      }
    }
  }

  /** A verify run: compares the shadow with the active generation, a window per transaction. */
  async diffShadow(): Promise<void> {
    if (!(await this.ctx.runQuery(this.wiring.component.verify.diffPosition, { rebuildId: this.rebuildId }))) return;
    for (;;) {
      const { done } = await this.ctx.runMutation(this.wiring.refs.diffBatch, { rebuildId: this.rebuildId });
      if (done) return;
      this.batches++;
      if (this.budgetSpent()) throw new BudgetSpent();
    }
  }

  private budgetSpent(): boolean {
    return Date.now() >= this.deadline || this.batches >= this.budget.batches;
  }

  /**
   * Commits a run of `units` footprint units; splits it when it hits a transaction limit anyway,
   * and honours the rate limit and budget.
   */
  private async commit(run: EventRun, units = this.footprint.unitsOf(run.events)): Promise<void> {
    const started = Date.now();
    let outcome;
    try {
      outcome = await this.ctx.runMutation(this.wiring.refs.applyBatch, {
        rebuildId: this.rebuildId,
        ...(this.input.lane ? { lane: this.input.lane.index } : {}),
        expectedCursor: this.cursor,
        lastPosition: run.lastPosition!,
        events: eventColumns(run.events),
        skipped: run.skipped,
        filtered: run.filtered,
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
    // Stopped (paused, cancelled, failed) or a duplicate (another attempt already committed past
    // here): end the chunk; the chain resumes from the checkpoint if the rebuild is still running.
    if (outcome.status !== "applied") throw new ChunkStopped(outcome.status);
    this.cursor = outcome.cursor;
    this.batches++;
    this.sizer.afterSuccess(Date.now() - started);
    this.footprint.learn(outcome.usage, units);
    this.rowsCommitted += rowsOf(run);
    await this.honourRateLimit();
    if (this.budgetSpent()) throw new BudgetSpent();
  }

  /** The rebuild's ceiling, shared evenly by its lanes. */
  private async honourRateLimit(): Promise<void> {
    if (!this.input.rateLimit) return;
    const rateLimit = this.input.rateLimit / (this.input.lane?.count ?? 1);
    const dueMs = (this.rowsCommitted / rateLimit) * 1000;
    const aheadMs = dueMs - (Date.now() - this.startedAt);
    if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
  }
}

/**
 * How much one chunk does before handing over to the next (REPROJECT_CHUNK_BUDGET_MS,
 * REPROJECT_CHUNK_MAX_BATCHES) and how many rows it reads between checkpoints (REPROJECT_CHECKPOINT_ROWS).
 */
function chunkSettings(): { ms: number; batches: number; checkpointRows: number } {
  return {
    ms: numberSetting("REPROJECT_CHUNK_BUDGET_MS", DEFAULT_CHUNK_BUDGET_MS, 1),
    batches: numberSetting("REPROJECT_CHUNK_MAX_BATCHES", Infinity, 1),
    checkpointRows: numberSetting("REPROJECT_CHECKPOINT_ROWS", DEFAULT_CHECKPOINT_ROWS, 1),
  };
}
