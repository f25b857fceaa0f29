// The admin functions the hooks call, as the app exports them (`api.rebuilds` in the demo): their
// names, the arguments the hooks pass and what the progress display reads of a status. Only a
// constraint: the hooks' types come from the reference the app passes in, so a status or an answer
// has exactly the shape the app's server returns.
import type { FunctionReference } from "convex/server";

type Query<Args extends Record<string, unknown>, Returns = any> = FunctionReference<"query", "public", Args, Returns>;
type Mutation<Args extends Record<string, unknown>> = FunctionReference<"mutation", "public", Args>;
type NoArgs = Record<string, never>;

/** What `<RebuildProgress>` shows of a rebuild's status (the server's status has more). */
export interface RebuildProgressStatus {
  projection: string;
  generation: number;
  /** running | paused | completed | failed | cancelled */
  state: string;
  /** planning | archive | tail | diffing | finishing */
  phase: string;
  processed: number;
  /** Known once the rebuild is planned. */
  total: number | null;
  percent: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  /** The watchdog found it running with nothing in flight and no progress, and it has not moved since. */
  stalled?: boolean;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** One entry per lane of a rebuild in lanes (empty for one chain); processed and eventsPerSecond above are their sum. */
  lanes?: readonly RebuildLaneProgress[];
}

/** A lane of a rebuild in lanes, as a status carries it. */
export interface RebuildLaneProgress {
  lane: number;
  cursor: number | null;
  processed: number;
  eventsPerSecond: number;
  done: boolean;
  retried: number;
}

/** Whether a projection can be rebuilt in lanes: the lanes a rebuild runs in unless asked, and the most it may ask. */
export interface ProjectionLanes {
  defaultCount: number;
  maxCount: number;
}

/** What the hooks read of a projection (the server's `projections` rows have more). */
export interface RebuildProjection {
  name: string;
  /** null: it declares no lane key, so its rebuilds run as one chain. */
  lanes: ProjectionLanes | null;
}

/** The admin module of the app: `api.rebuilds`, or wherever the app exported these functions from. */
export interface RebuildAdminApi {
  trigger: Mutation<{ projection: string; options?: any }>;
  cancel: Mutation<{ rebuildId: string }>;
  pause: Mutation<{ rebuildId: string }>;
  resume: Mutation<{ rebuildId: string }>;
  /** Makes a verify run's kept shadow the active generation. */
  promote: Mutation<{ rebuildId: string }>;
  /** Deletes a verify run's kept shadow. */
  discard: Mutation<{ rebuildId: string }>;
  status: Query<{ rebuildId: string }, RebuildProgressStatus | null>;
  listActive: Query<NoArgs, RebuildProgressStatus[]>;
  history: Query<{ projection?: string; limit?: number }, RebuildProgressStatus[]>;
  /** A rebuild's progress over time: `{ at, processed, eventsPerSecond }`, oldest first. */
  samples: Query<{ rebuildId: string }, { at: number; processed: number; eventsPerSecond: number }[]>;
  deadLetters: Query<{ rebuildId: string; limit?: number; after?: number }>;
  /** Re-drives a `dead-letter-key` rebuild's dead letters after a fix. */
  redriveDeadLetters: Mutation<{ rebuildId: string }>;
  /** A rebuild's re-drives, latest first. */
  redrives: Query<{ rebuildId: string }>;
  auditLog: Query<{ limit?: number }>;
  projections: Query<NoArgs, RebuildProjection[]>;
}

/** The mutations `useRebuildControls` offers. */
export type RebuildControlName = "trigger" | "cancel" | "pause" | "resume" | "promote" | "discard";
