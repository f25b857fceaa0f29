// The handler registry's public surface: declaring events and projections, the registry, and
// applying a batch of stored events to a projection's read model.
export {
  applyBatch,
  eventTypesWithoutKeys,
  type ApplyBatchOptions,
  type BatchCounters,
  type BatchResult,
  type DeadLetter,
  type FailurePolicy,
  type ParkedKey,
  type ParkedKeysLookup,
} from "./apply-batch.ts";
export { EVENTS_PER_MUTATION, type Complexity } from "./complexity.ts";
export type { Effects, EffectsDuringRebuild, EffectsGate, HandlerMode, PendingEffect } from "./effects.ts";
export {
  defineEnvelope,
  attributeNamed,
  attributesProblem,
  undeclaredAttributeProblem,
  DEFAULT_ENVELOPE_COLUMNS,
  type AttributeType,
  type AttributeValue,
  type AttributesColumn,
  type AttributesColumnType,
  type EnvelopeAttribute,
  type EnvelopeColumns,
  type EnvelopeRole,
  type EnvelopeSpec,
  type EventEnvelope,
} from "./envelope.ts";
export {
  EnvelopeError,
  EventFailedError,
  InvalidEventError,
  ProjectionDefinitionError,
  UnknownProjectionError,
  describeEventError,
  type EventError,
  type EventErrorKind,
} from "./errors.ts";
export {
  defineEvent,
  type CurrentPayload,
  type EventContract,
  type PayloadOf,
  type PayloadSchemas,
  type Upcasters,
} from "./event-contract.ts";
export {
  requireAttribute,
  requireBooleanAttribute,
  requireNumberAttribute,
  type DecodedEvent,
  type EventAttributes,
  type EventRecord,
} from "./event-record.ts";
export type { ReadModel } from "./keyed-read-model.ts";
export { MAX_LANES, type Lanes, type LanesSpec } from "./lane-key.ts";
export { MemoryReadModelStorage } from "./memory-storage.ts";
export {
  defineProjection,
  type AnyProjection,
  type EventHandlerSpec,
  type HandlerContext,
  type Projection,
  type ProjectionSpec,
} from "./projection.ts";
export type { ReadModelStorage, ReadModelWrite } from "./read-model-storage.ts";
export { defineRegistry, type Registry } from "./registry.ts";
