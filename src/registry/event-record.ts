// The two shapes of an event: as stored (archive row or `events` table document, payload as JSON
// text) and as a handler sees it (payload parsed, validated and upcast to the current version).
import type { AttributeType, AttributeValue } from "./envelope.ts";
import { InvalidEventError } from "./errors.ts";

/** The attributes the envelope declares, by name (e.g. region, priority); null where an event has none. */
export type EventAttributes = Readonly<Record<string, AttributeValue | null>>;

export interface EventRecord {
  /** Strictly increasing across the archive and the live table: the rebuild cursor. */
  globalPosition: number;
  eventId: string;
  eventType: string;
  /** Version of the payload as written; the handler gets it upcast to the current version. */
  eventVersion: number;
  occurredAtMs: number;
  streamId: string;
  attributes: EventAttributes;
  /** JSON text. */
  payload: string;
}

export interface DecodedEvent<Payload> {
  readonly globalPosition: number;
  readonly eventId: string;
  readonly eventType: string;
  /** The version the event was written with (its payload is already the current version). */
  readonly eventVersion: number;
  readonly occurredAtMs: number;
  readonly streamId: string;
  readonly attributes: EventAttributes;
  readonly payload: Payload;
}

export function decodedEvent<Payload>(record: EventRecord, payload: Payload): DecodedEvent<Payload> {
  return {
    globalPosition: record.globalPosition,
    eventId: record.eventId,
    eventType: record.eventType,
    eventVersion: record.eventVersion,
    occurredAtMs: record.occurredAtMs,
    streamId: record.streamId,
    attributes: record.attributes,
    payload,
  };
}

/** The string attribute's value; an event without it is invalid (reported as `invalid_event`). */
export function requireAttribute(event: DecodedEvent<unknown>, name: string): string {
  return requireTyped(event, name, "string");
}

/** The number attribute's value; an event without it is invalid. */
export function requireNumberAttribute(event: DecodedEvent<unknown>, name: string): number {
  return requireTyped(event, name, "number");
}

/** The boolean attribute's value; an event without it is invalid. */
export function requireBooleanAttribute(event: DecodedEvent<unknown>, name: string): boolean {
  return requireTyped(event, name, "boolean");
}

interface TypeValues {
  string: string;
  number: number;
  boolean: boolean;
}

function requireTyped<T extends AttributeType>(event: DecodedEvent<unknown>, name: string, type: T): TypeValues[T] {
  const value = event.attributes[name];
  if (typeof value !== type) {
    const found = value === null ? "null" : value === undefined ? "missing" : `a ${typeof value}`;
    throw new InvalidEventError(`attribute ${name} is ${found}, expected a ${type}`);
  }
  return value as TypeValues[T];
}
