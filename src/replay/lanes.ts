// Which lane of a rebuild a row belongs to. An event for the handlers goes to the lane its key
// hashes to, so that every event of a read-model document is folded by one lane, in position order;
// a row the handlers never see (a type the projection skips, a row the filter drops) is only
// counted, by the lane its position falls to. Every row belongs to exactly one lane, so the lanes'
// counters add up to the rebuild's.
import type { EventRecord, Lanes } from "../registry/index.ts";

/** A lane of a rebuild: `index` of `count`. */
export interface LaneRef {
  index: number;
  count: number;
}

/**
 * Read once: the local runtime (convex-test) serves the global Math through a getter per access, and
 * every lane hashes every row's key, a multiplication per character.
 */
const { imul } = Math;

/** FNV-1a over the key's UTF-16 code units: stable across runs, processes and platforms. */
export function laneOfKey(key: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

export function laneOfPosition(position: number, count: number): number {
  return position % count;
}

/** The event's lane key could not be computed: the rebuild cannot tell which lane must fold it. */
export class LaneKeyError extends Error {
  override name = "LaneKeyError";
  constructor(
    readonly event: EventRecord,
    problem: string,
  ) {
    super(
      `the lane key of ${event.eventType} event ${event.eventId} at position ${event.globalPosition} ${problem}: ` +
        "fix the projection's lanes.key (it must answer a non-empty string for every event) and resume the rebuild",
    );
  }
}

/** The lane key function's answer for an event, checked. */
export function laneKeyOf(lanes: Lanes, event: EventRecord): string {
  let key: unknown;
  try {
    key = lanes.keyOf(event);
  } catch (error) {
    throw new LaneKeyError(event, `threw: ${(error as Error).message}`);
  }
  if (typeof key !== "string" || key.length === 0)
    throw new LaneKeyError(event, `is ${typeof key === "string" ? "empty" : `a ${typeof key}`}, not a string`);
  return key;
}

/** Whether a row is this lane's: an event by its key, any other row by its position. */
export function ownsEvent(lanes: Lanes, lane: LaneRef, event: EventRecord): boolean {
  return laneOfKey(laneKeyOf(lanes, event), lane.count) === lane.index;
}

export function ownsPosition(lane: LaneRef, position: number): boolean {
  return laneOfPosition(position, lane.count) === lane.index;
}
