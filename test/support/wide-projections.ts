// Projections whose batches weigh more than their event count says: one whose events each touch
// several distinct documents, one whose documents carry a big piece of each event's payload. Built
// from the app's event contracts (passed in: a test mocking the projections module builds them there).
import * as z from "zod";
import type { playbackEvents } from "../../convex/projections.ts";
import { defineProjection, type DecodedEvent, type HandlerContext } from "../../src/registry/index.ts";

export const KEYS_PER_EVENT = 5;

type Mark = { key: string; events: number };

const keysOf = (event: DecodedEvent<unknown>) =>
  Array.from({ length: KEYS_PER_EVENT }, (_, index) => ({ key: `${event.eventId}:${index}` }));

const fanOut = {
  prefetch: keysOf,
  handle: async ({ readModel }: HandlerContext<Mark, Pick<Mark, "key">>, event: DecodedEvent<unknown>) => {
    for (const key of keysOf(event)) await readModel.update(key, (doc) => ({ key: doc.key, events: doc.events + 1 }));
  },
};

/** The same handler for each of these event types. */
function handlersFor<Handler>(
  events: typeof playbackEvents,
  types: readonly (keyof typeof playbackEvents)[],
  handler: Handler,
) {
  return Object.fromEntries(types.map((type) => [type, { event: events[type], ...handler }]));
}

export function wideProjections(events: typeof playbackEvents) {
  return [eventFanOut(events), notesById(events)] as const;
}

/** KEYS_PER_EVENT documents per event, none shared with another event. */
function eventFanOut(events: typeof playbackEvents) {
  return defineProjection({
    name: "eventFanOut",
    version: 1,
    complexity: "light",
    readModel: {
      document: z.object({ key: z.string(), events: z.int().nonnegative() }),
      key: ["key"],
      initial: ({ key }) => ({ key, events: 0 }),
    },
    events: handlersFor(events, ["Play", "Pause", "Seek", "Rebuffer", "Error", "End"], fanOut),
  });
}

type Note = { eventId: string; note: string };

const keepNote = {
  prefetch: (event: DecodedEvent<unknown>) => ({ eventId: event.eventId }),
  handle: async ({ readModel }: HandlerContext<Note, Pick<Note, "eventId">>, event: DecodedEvent<unknown>) => {
    const { note } = event.payload as { note: string };
    await readModel.update({ eventId: event.eventId }, () => ({ eventId: event.eventId, note }));
  },
};

/** The `note` of every event's payload, one document per event (Rebuffer's contract drops unknown fields). */
function notesById(events: typeof playbackEvents) {
  return defineProjection({
    name: "notesById",
    version: 1,
    complexity: "light",
    readModel: {
      document: z.object({ eventId: z.string(), note: z.string() }),
      key: ["eventId"],
      initial: ({ eventId }) => ({ eventId, note: "" }),
    },
    events: handlersFor(events, ["Play", "Pause", "Seek", "Error", "End"], keepNote),
  });
}

/** Adds a `note` of `bytes` characters, unique to the event, to its payload. */
export function withNote(bytes: number) {
  return <E extends { globalPosition: number; payload: string }>(event: E): E => ({
    ...event,
    payload: `{"note":"${noteOf(event.globalPosition, bytes)}",${event.payload.slice(1)}`,
  });
}

export function noteOf(position: number, bytes: number): string {
  return `${position}:`.padEnd(bytes, "n");
}
