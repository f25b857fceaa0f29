// Live events for the demo: the events that would have come next after the archive's, from the same
// deterministic generator and seed, as the app would append them to the events table.
import type { FunctionArgs } from "convex/server";
import type { internal } from "../../../convex/_generated/api.js";
import type { EventRecord } from "../../registry/index.ts";
import { demoEvents } from "./demo-events.ts";

export type LiveEvent = FunctionArgs<typeof internal.reproject.append>["events"][number];

/** Events `archived + 1` to `archived + count` of the demo generator's `archived + count` events. */
export function liveDemoEvents({
  archived,
  count,
  seed,
}: {
  archived: number;
  count: number;
  seed: number;
}): LiveEvent[] {
  const events: LiveEvent[] = [];
  let position = 0;
  for (const record of demoEvents({ events: archived + count, seed })) {
    if (++position > archived) events.push(liveEventOf(record));
  }
  return events;
}

/** A demo event as the app appends it: the events table assigns its position. */
export function liveEventOf(event: EventRecord): LiveEvent {
  const { eventId, eventType, eventVersion, occurredAtMs, streamId, attributes, payload } = event;
  return { eventId, eventType, eventVersion, occurredAtMs, streamId, attributes: { ...attributes }, payload };
}
