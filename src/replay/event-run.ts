// A run: consecutive events in position order that one batch mutation commits. Events the rebuild's
// filter drops and types the projection does not consume stay in the run as positions only, so
// the checkpoint moves past them and each is counted once, in the batch that covers it.
import type { EventRecord } from "../registry/index.ts";
import { eventMatchesFilter, type TypedReplayFilter } from "./filter.ts";

export interface EventRun {
  /** Events for the handlers. */
  events: EventRecord[];
  skippedPositions: number[];
  filteredPositions: number[];
  lastPosition: number | null;
}

export function emptyRun(): EventRun {
  return { events: [], skippedPositions: [], filteredPositions: [], lastPosition: null };
}

export function addToRun(
  run: EventRun,
  event: EventRecord,
  filter: TypedReplayFilter | undefined,
  consumed: ReadonlySet<string>,
): void {
  if (!eventMatchesFilter(event, filter)) run.filteredPositions.push(event.globalPosition);
  else if (consumed.has(event.eventType)) run.events.push(event);
  else run.skippedPositions.push(event.globalPosition);
  run.lastPosition = event.globalPosition;
}

/** A row of a type the projection does not consume, known by its position alone. */
export function addSkipped(run: EventRun, position: number): void {
  run.skippedPositions.push(position);
  run.lastPosition = position;
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

/** Halves a run at an event boundary; every other row goes with the half its position falls in. */
export function splitRun(run: EventRun): EventRun[] {
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
