// One line of an import file: an event as JSON, checked field by field against the app's envelope.
// Positions are not read from the file: the importer gives each event the next one after the archive's.
import { attributesProblem, type EventAttributes, type EventEnvelope } from "../../registry/index.ts";
import type { EventRecord } from "../../registry/index.ts";

/** An imported event before the importer gives it its position. */
export type ImportedEvent = Omit<EventRecord, "globalPosition">;

export const EVENT_LINE_FIELDS =
  '{"eventId": "…", "eventType": "…", "eventVersion": 1, "occurredAt": "2026-01-31T12:00:00Z" (or "occurredAtMs"), "streamId": "…", "attributes": {…}, "payload": {…}}';

export class EventLineError extends Error {
  override name = "EventLineError";
}

/** The event on `line` of `file`; throws EventLineError naming the file, line, field and the expected shape. */
export function parseEventLine(text: string, file: string, line: number, envelope: EventEnvelope): ImportedEvent {
  const fail = (problem: string) =>
    new EventLineError(`${file}:${line}: ${problem}. Each line is one event: ${EVENT_LINE_FIELDS}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail("not a JSON object");
  const event = value as Record<string, unknown>;
  const requiredString = (field: string): string => {
    const found = event[field];
    if (typeof found !== "string" || found === "")
      throw fail(`${field} must be a non-empty string, got ${JSON.stringify(found)}`);
    return found;
  };
  const eventVersion = event.eventVersion;
  if (!Number.isSafeInteger(eventVersion) || (eventVersion as number) < 1) {
    throw fail(`eventVersion must be a whole number >= 1, got ${JSON.stringify(eventVersion)}`);
  }
  const attributes = (event.attributes ?? {}) as EventAttributes;
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw fail(`attributes must be an object, got ${JSON.stringify(event.attributes)}`);
  }
  const problem = attributesProblem(envelope, attributes);
  if (problem) throw fail(problem);
  if (event.payload === undefined) throw fail("payload is missing (JSON text or a JSON value)");
  return {
    eventId: requiredString("eventId"),
    eventType: requiredString("eventType"),
    eventVersion: eventVersion as number,
    occurredAtMs: occurredAtMs(event, fail),
    streamId: requiredString("streamId"),
    attributes,
    payload: typeof event.payload === "string" ? event.payload : JSON.stringify(event.payload),
  };
}

function occurredAtMs(event: Record<string, unknown>, fail: (problem: string) => Error): number {
  if (event.occurredAtMs !== undefined) {
    if (typeof event.occurredAtMs !== "number" || !Number.isFinite(event.occurredAtMs)) {
      throw fail(`occurredAtMs must be epoch milliseconds, got ${JSON.stringify(event.occurredAtMs)}`);
    }
    return event.occurredAtMs;
  }
  const ms = typeof event.occurredAt === "string" ? Date.parse(event.occurredAt) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw fail(
      `occurredAt must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, got ${JSON.stringify(event.occurredAt)}`,
    );
  }
  return ms;
}
