// Live events for the demo: the events that would have come next after the archive's, from the same
// deterministic generator and seed, as the app would append them to the events table.
import type { FunctionArgs } from "convex/server";
import type { internal } from "../../../convex/_generated/api.js";
import { demoEvents, type EventRecord } from "../../archive/writer/index.ts";

export type LiveEvent = FunctionArgs<typeof internal.events.append>["events"][number];

/** Events `archived + 1` to `archived + count` of the demo generator's `archived + count` events. */
export function liveDemoEvents({ archived, count, seed }: { archived: number; count: number; seed: number }): LiveEvent[] {
  const events: LiveEvent[] = [];
  let position = 0;
  for (const record of demoEvents({ events: archived + count, seed })) {
    if (++position > archived) events.push(liveEventOf(record));
  }
  return events;
}

/** An archive row as the app appends it: the columns besides the core ones are attributes. */
export function liveEventOf(record: EventRecord): LiveEvent {
  return {
    eventId: record.event_id,
    eventType: record.event_type,
    eventVersion: record.event_version,
    occurredAtMs: Number(record.occurred_at / 1000n),
    streamId: record.stream_id,
    attributes: { cdn: record.cdn, device: record.device, country: record.country ?? null },
    payload: record.payload,
  };
}
