// A replay filter (time range, event types, attribute values) as the archive predicate it pushes
// down, and the same filter applied to a live event (the `events` table tail).
import type { RowPredicate } from "../archive/predicate.ts";
import type { EventRecord } from "../registry/index.ts";
import { EVENT_COLUMNS } from "./archive-events.ts";

export interface ReplayFilter {
  /** Inclusive, epoch ms. */
  fromMs?: number;
  /** Exclusive, epoch ms. */
  toMs?: number;
  eventTypes?: string[];
  /** Attribute name → accepted values (e.g. cdn: ["CDN1"], device: ["Android"]). */
  attributes?: Record<string, string[]>;
}

export function isEmptyFilter(filter: ReplayFilter | undefined): boolean {
  return (
    !filter ||
    (filter.fromMs === undefined &&
      filter.toMs === undefined &&
      !filter.eventTypes?.length &&
      Object.keys(filter.attributes ?? {}).length === 0)
  );
}

export function filterPredicate(filter: ReplayFilter | undefined): RowPredicate {
  if (!filter) return [];
  const predicate: RowPredicate = [];
  if (filter.fromMs !== undefined || filter.toMs !== undefined) {
    predicate.push({
      column: EVENT_COLUMNS.occurredAt,
      op: "range",
      ...(filter.fromMs !== undefined ? { min: BigInt(filter.fromMs) * 1000n, minInclusive: true } : {}),
      ...(filter.toMs !== undefined ? { max: BigInt(filter.toMs) * 1000n, maxInclusive: false } : {}),
    });
  }
  if (filter.eventTypes?.length) predicate.push({ column: EVENT_COLUMNS.type, op: "in", values: filter.eventTypes });
  for (const [attribute, values] of Object.entries(filter.attributes ?? {})) {
    predicate.push({ column: attribute, op: "in", values });
  }
  return predicate;
}

export function eventMatchesFilter(event: EventRecord, filter: ReplayFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.fromMs !== undefined && event.occurredAtMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && event.occurredAtMs >= filter.toMs) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.eventType)) return false;
  for (const [attribute, values] of Object.entries(filter.attributes ?? {})) {
    const value = event.attributes[attribute];
    if (value === null || value === undefined || !values.includes(value)) return false;
  }
  return true;
}

/** Attribute columns a filter needs besides the core event columns. */
export function filterAttributeColumns(filter: ReplayFilter | undefined): string[] {
  return Object.keys(filter?.attributes ?? {});
}
