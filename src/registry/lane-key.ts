// A projection's lane key: what lets one rebuild run in parallel lanes. Each lane takes the events
// whose key hashes to it and folds them in position order, so the key must send every event that
// touches a read-model document to the same lane: documents keyed by stream take the stream, a
// read model keyed by other fields declares a function of the event that yields a coarser key.
import { ProjectionDefinitionError } from "./errors.ts";
import type { EventRecord } from "./event-record.ts";

/** Lanes a rebuild may run in at most: each is a chain of chunks, and status reads them all. */
export const MAX_LANES = 16;

export interface LanesSpec {
  /**
   * `"stream"`, or a function of the event as archived (before upcasting: it sees the version the
   * event was written with) answering a non-empty string. Events with different keys must never
   * touch the same read-model document, whatever their versions.
   */
  key: "stream" | ((event: EventRecord) => string);
  /**
   * Lanes of a rebuild that does not ask for a number (automatic rebuilds included), 1 to MAX_LANES;
   * default 1: one chain unless a trigger asks for more (`lanes` in its options).
   */
  count?: number;
}

export interface Lanes {
  readonly keyOf: (event: EventRecord) => string;
  readonly count: number;
  /** The key is the event's stream id: a row's lane is known from its stream column, before it becomes an event. */
  readonly byStream: boolean;
}

export function checkedLanes(projection: string, spec: LanesSpec | undefined): Lanes | undefined {
  if (spec === undefined) return undefined;
  const fail = (problem: string) => new ProjectionDefinitionError(`projection ${projection}: lanes.${problem}`);
  const count = spec.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_LANES)
    throw fail(`count must be a whole number from 1 to ${MAX_LANES}, got ${String(spec.count)}`);
  if (spec.key === "stream") return { keyOf: (event) => event.streamId, count, byStream: true };
  if (typeof spec.key !== "function")
    throw fail(`key must be "stream" or a function of the event, got ${JSON.stringify(spec.key)}`);
  return { keyOf: spec.key, count, byStream: false };
}
