// Errors of the handler registry. A bad event is a value (`EventError`): a rebuild records it as its
// failure or as a dead letter and never retries it. Classes exist for what has to be thrown: a bad
// declaration (caught at deploy), a handler marking its event invalid, and a failed batch the
// caller throws so that the Convex transaction rolls back.

/**
 * `invalid_event`: the event cannot be read (JSON, schema, version, upcaster) or its handler
 * declared it invalid; `handler_error`: the handler threw; `invalid_document`: the handlers left a
 * read-model document its schema rejects (reported on the event that changed it last); `parked`: under
 * `dead-letter-key`, an earlier event of one of its keys was dead-lettered, so it was not applied.
 */
export type EventErrorKind = "invalid_event" | "handler_error" | "invalid_document" | "parked";

/** A permanent error for one event: retrying the event would fail the same way. */
export interface EventError {
  kind: EventErrorKind;
  projection: string;
  eventId: string;
  globalPosition: number;
  eventType: string;
  eventVersion: number;
  /** Complete on its own: which field, what was expected, what was found. */
  reason: string;
}

/** A projection, event contract or registry declared in a way that cannot work. */
export class ProjectionDefinitionError extends Error {
  override name = "ProjectionDefinitionError";
}

/**
 * An event envelope declared in a way that cannot work, or an event or replay filter that does not
 * fit the envelope (an undeclared attribute, a value of another type).
 */
export class EnvelopeError extends Error {
  override name = "EnvelopeError";
}

/** A projection name the registry does not know (a stale trigger, a removed projection). */
export class UnknownProjectionError extends Error {
  override name = "UnknownProjectionError";
}

/**
 * Thrown by a handler (or its `prefetch`) when the event itself is unusable, e.g. a required
 * attribute is missing: the event is then reported as `invalid_event`, not as a handler bug.
 */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

/** A batch stopped by a permanent event error (BatchResult.failure); throw it to roll back a transaction. */
export class EventFailedError extends Error {
  override name = "EventFailedError";
  constructor(readonly eventError: EventError) {
    super(describeEventError(eventError));
  }
}

export function describeEventError(error: EventError): string {
  const what = {
    invalid_event: "is invalid",
    handler_error: "failed in its handler",
    invalid_document: "left an invalid read-model document",
    parked: "was not applied",
  }[error.kind];
  return (
    `${error.projection}: event ${error.eventId} (${error.eventType} v${error.eventVersion} ` +
    `at position ${error.globalPosition}) ${what}: ${error.reason}`
  );
}

/** The message of anything thrown, with its class name when that adds information. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) {
    return thrown.name && thrown.name !== "Error" ? `${thrown.name}: ${thrown.message}` : thrown.message;
  }
  return String(thrown);
}
