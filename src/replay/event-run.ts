// A run: consecutive rows in position order that one batch mutation commits. Rows the rebuild's
// filter drops and types the projection does not consume are only counted, so the checkpoint moves
// past them and each is counted once, in the batch that covers it. A run's memory grows with its
// events, never with the rows it passes over.
import type { EventRecord } from "../registry/index.ts";
import { eventMatchesFilter, type TypedReplayFilter } from "./filter.ts";

export interface EventRun {
  /** Events for the handlers. */
  events: EventRecord[];
  skipped: number;
  filtered: number;
  /** Per event, the skipped and filtered rows before it in the run: what a split leaves with each half. */
  skippedBefore: number[];
  filteredBefore: number[];
  lastPosition: number | null;
}

/** What a row is to a run: an event for the handlers, or a position passed over. */
export type RowRole = "event" | "skipped" | "filtered";

export function emptyRun(): EventRun {
  return { events: [], skipped: 0, filtered: 0, skippedBefore: [], filteredBefore: [], lastPosition: null };
}

export function roleOf(
  event: EventRecord,
  filter: TypedReplayFilter | undefined,
  consumed: ReadonlySet<string>,
): RowRole {
  if (!eventMatchesFilter(event, filter)) return "filtered";
  return consumed.has(event.eventType) ? "event" : "skipped";
}

export function addEvent(run: EventRun, event: EventRecord): void {
  run.events.push(event);
  run.skippedBefore.push(run.skipped);
  run.filteredBefore.push(run.filtered);
  run.lastPosition = event.globalPosition;
}

/** A row known by its position alone. */
export function passOver(run: EventRun, role: "skipped" | "filtered", position: number): void {
  run[role]++;
  run.lastPosition = position;
}

/** A row another lane of the rebuild counts: the checkpoint moves past it, nothing else. */
export function passBy(run: EventRun, position: number): void {
  run.lastPosition = position;
}

export function addToRun(
  run: EventRun,
  event: EventRecord,
  filter: TypedReplayFilter | undefined,
  consumed: ReadonlySet<string>,
): void {
  const role = roleOf(event, filter, consumed);
  if (role === "event") addEvent(run, event);
  else passOver(run, role, event.globalPosition);
}

export function runOf(
  events: Iterable<EventRecord>,
  filter: TypedReplayFilter | undefined,
  consumed: ReadonlySet<string>,
): EventRun {
  const run = emptyRun();
  for (const event of events) addToRun(run, event, filter, consumed);
  return run;
}

/** Rows the run covers: its events and the positions it passes over. */
export function rowsOf(run: EventRun): number {
  return run.events.length + run.skipped + run.filtered;
}

/** Halves a run at an event boundary; every other row goes with the half its position falls in. */
export function splitRun(run: EventRun): EventRun[] {
  const middle = Math.floor(run.events.length / 2);
  if (middle === 0) return [run];
  // Rows passed over before the first half's last event are the first half's; the rest the second's.
  const skippedInFirst = run.skippedBefore[middle - 1]!;
  const filteredInFirst = run.filteredBefore[middle - 1]!;
  return [
    {
      events: run.events.slice(0, middle),
      skipped: skippedInFirst,
      filtered: filteredInFirst,
      skippedBefore: run.skippedBefore.slice(0, middle),
      filteredBefore: run.filteredBefore.slice(0, middle),
      lastPosition: run.events[middle - 1]!.globalPosition,
    },
    {
      events: run.events.slice(middle),
      skipped: run.skipped - skippedInFirst,
      filtered: run.filtered - filteredInFirst,
      skippedBefore: run.skippedBefore.slice(middle).map((count) => count - skippedInFirst),
      filteredBefore: run.filteredBefore.slice(middle).map((count) => count - filteredInFirst),
      lastPosition: run.lastPosition,
    },
  ];
}
