// A replay filter (time range, event types, attribute values) as the archive predicate it pushes
// down, and the same filter applied to a live event (the `events` table tail). Attribute values
// travel as text (Convex arguments, CLI `--where k=v`); they are read here by the type the
// envelope declares for the attribute, so `priority=2` matches the number 2.
import type { RowPredicate } from "../archive/predicate.ts";
import {
  attributeNamed,
  EnvelopeError,
  undeclaredAttributeProblem,
  type AttributeValue,
  type EnvelopeAttribute,
  type EventEnvelope,
  type EventRecord,
} from "../registry/index.ts";

export interface ReplayFilter {
  /** Inclusive, epoch ms. */
  fromMs?: number;
  /** Exclusive, epoch ms. */
  toMs?: number;
  eventTypes?: string[];
  /** Attribute name → accepted values as text (e.g. region: ["EU"], priority: ["1", "2"]). */
  attributes?: Record<string, string[]>;
}

/** A filter whose attribute values have the types the envelope declares. */
export interface TypedReplayFilter {
  fromMs?: number;
  toMs?: number;
  eventTypes?: string[];
  attributes: Array<{ name: string; attribute: EnvelopeAttribute; values: AttributeValue[] }>;
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

/**
 * The filter with its attribute values read by their declared types. Throws EnvelopeError for an
 * attribute the envelope does not declare or a value that is not of its type (`priority=abc`).
 */
export function typedFilter(filter: ReplayFilter | undefined, envelope: EventEnvelope): TypedReplayFilter | undefined {
  const typed = typeFilter(filter, envelope);
  if (typeof typed === "string") throw new EnvelopeError(`filter: ${typed}`);
  return typed;
}

/** What is wrong with the filter's attributes for this envelope, or null. */
export function filterProblem(filter: ReplayFilter | undefined, envelope: EventEnvelope): string | null {
  const typed = typeFilter(filter, envelope);
  return typeof typed === "string" ? typed : null;
}

/** The typed filter, or what is wrong with it. */
function typeFilter(filter: ReplayFilter | undefined, envelope: EventEnvelope): TypedReplayFilter | undefined | string {
  if (!filter) return undefined;
  const attributes: TypedReplayFilter["attributes"] = [];
  for (const [name, texts] of Object.entries(filter.attributes ?? {})) {
    const attribute = attributeNamed(envelope, name);
    if (!attribute) return undeclaredAttributeProblem(envelope, name);
    const values: AttributeValue[] = [];
    for (const text of texts) {
      const value = attributeValueOf(attribute, text);
      if (value === undefined) return valueProblem(name, attribute, text);
      values.push(value);
    }
    attributes.push({ name, attribute, values });
  }
  return { ...filter, attributes };
}

/** The archive predicate of the filter, on the envelope's columns. */
export function filterPredicate(filter: ReplayFilter | undefined, envelope: EventEnvelope): RowPredicate {
  const typed = typedFilter(filter, envelope);
  if (!typed) return [];
  const predicate: RowPredicate = [];
  if (typed.fromMs !== undefined || typed.toMs !== undefined) {
    predicate.push({
      column: envelope.columns.occurredAt,
      op: "range",
      ...(typed.fromMs !== undefined ? { min: BigInt(typed.fromMs) * 1000n, minInclusive: true } : {}),
      ...(typed.toMs !== undefined ? { max: BigInt(typed.toMs) * 1000n, maxInclusive: false } : {}),
    });
  }
  if (typed.eventTypes?.length) predicate.push({ column: envelope.columns.type, op: "in", values: typed.eventTypes });
  // An attribute under a map key is filtered row by row; under a struct field, its statistics prune too.
  for (const { attribute, values } of typed.attributes) {
    predicate.push({
      column: attribute.column,
      ...(attribute.key !== undefined ? { key: attribute.key } : {}),
      op: "in",
      values,
    });
  }
  return predicate;
}

export function eventMatchesFilter(event: EventRecord, filter: TypedReplayFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.fromMs !== undefined && event.occurredAtMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && event.occurredAtMs >= filter.toMs) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.eventType)) return false;
  for (const { name, values } of filter.attributes) {
    const value = event.attributes[name];
    if (value === null || value === undefined || !values.includes(value)) return false;
  }
  return true;
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** The text as a value of the attribute's type, or undefined when it is not one. */
function attributeValueOf(attribute: EnvelopeAttribute, text: string): AttributeValue | undefined {
  switch (attribute.type) {
    case "string":
      return text;
    case "number": {
      const value = Number(text);
      return NUMBER_TEXT.test(text.trim()) && Number.isFinite(value) ? value : undefined;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : undefined;
  }
}

function valueProblem(name: string, attribute: EnvelopeAttribute, text: string): string {
  const expected = attribute.type === "number" ? "a number such as 2 or 0.5" : "true or false";
  return `attribute "${name}" is a ${attribute.type}, so its values must be ${expected}, got ${JSON.stringify(text.slice(0, 80))}`;
}
