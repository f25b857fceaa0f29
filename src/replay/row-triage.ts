// Rows a chunk passes over before they become events, decided from their type, stream and position
// alone: without a filter (which needs the whole event), a type the projection does not consume,
// and, in a lane keyed by stream, an event of another lane. Each lane reads the whole archive, so
// in N lanes most rows are another lane's: building an event for each only to drop it would cost
// every lane the CPU of the whole rebuild.
import type { Lanes } from "../registry/index.ts";
import type { RowTriage } from "./archive-events.ts";
import { laneOfKey, ownsPosition, type LaneRef } from "./lanes.ts";

/**
 * The triage of an unfiltered replay. A skipped type is the lane's to count when its position falls
 * to it (as src/replay/lanes.ts decides); a stream that is not a non-empty string becomes an event,
 * so that its lane key is refused with the event named.
 */
export function unfilteredRowTriage(
  consumed: ReadonlySet<string>,
  lanes: Lanes | undefined,
  lane: LaneRef | undefined,
): RowTriage {
  const byStream = lane !== undefined && lanes?.byStream === true;
  return (eventType, streamId, position) => {
    if (!consumed.has(eventType)) return lane && !ownsPosition(lane, position) ? "elsewhere" : "skipped";
    if (
      byStream &&
      typeof streamId === "string" &&
      streamId.length > 0 &&
      laneOfKey(streamId, lane.count) !== lane.index
    )
      return "elsewhere";
    return undefined;
  };
}
