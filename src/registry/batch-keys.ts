// The distinct read-model keys a batch of stored events will touch, as their handlers' `prefetch`
// declares them: known before the batch is sent, so that a replay can cut the batch at what its
// transaction will load and write. The payload is decoded only if `prefetch` reads it (most derive
// their keys from the stream or the attributes).
import { decodeEvent } from "./decode-event.ts";
import { InvalidEventError } from "./errors.ts";
import type { DecodedEvent, EventAttributes, EventRecord } from "./event-record.ts";
import type { EventContract } from "./event-contract.ts";
import type { AnyProjection } from "./projection.ts";
import { KeyTable } from "./read-model-key.ts";
import { PayloadRejection } from "./upcast.ts";

/** A read-model key of any projection: its key fields by name. */
type AnyKey = Record<string, unknown>;

export class BatchKeys {
  readonly #projection: AnyProjection;
  #keys: KeyTable<AnyKey, true>;
  #count = 0;
  /** The keys `newKeysOf` found last: one key, a list, or none. */
  #staged: unknown = undefined;

  constructor(projection: AnyProjection) {
    this.#projection = projection;
    this.#keys = new KeyTable(projection.readModel.keyFields);
  }

  /** Distinct keys added since the last `clear`. */
  get count(): number {
    return this.#count;
  }

  /**
   * How many keys the event's handler declares that the batch does not hold yet, or undefined when
   * it declares none; `add` then adds them. An event its batch will reject (a payload that does not
   * decode, a `prefetch` that throws) touches nothing.
   */
  newKeysOf(record: EventRecord): number | undefined {
    this.#staged = undefined;
    const route = this.#projection.routes.get(record.eventType);
    if (route?.prefetch === undefined) return undefined;
    try {
      this.#staged = route.prefetch(new LazilyDecodedEvent(route.contract, record));
    } catch {
      return 0;
    }
    if (!Array.isArray(this.#staged)) return this.#isNew(this.#staged) ? 1 : 0;
    let fresh = 0;
    for (const key of this.#staged) if (this.#isNew(key)) fresh++;
    return fresh;
  }

  /** Adds the keys `newKeysOf` found. */
  add(): void {
    if (!Array.isArray(this.#staged)) this.#addKey(this.#staged);
    else for (const key of this.#staged) this.#addKey(key);
    this.#staged = undefined;
  }

  clear(): void {
    this.#keys = new KeyTable(this.#projection.readModel.keyFields);
    this.#count = 0;
    this.#staged = undefined;
  }

  /** Whatever is no key object fails its own event in the batch; here it touches nothing. */
  #isNew(key: unknown): key is AnyKey {
    return typeof key === "object" && key !== null && this.#keys.get(key as AnyKey) === undefined;
  }

  #addKey(key: unknown): void {
    if (!this.#isNew(key)) return;
    this.#keys.set(key, true);
    this.#count++;
  }
}

/** The event as `prefetch` sees it, its payload decoded on first access. */
class LazilyDecodedEvent implements DecodedEvent<unknown> {
  readonly globalPosition: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventVersion: number;
  readonly occurredAtMs: number;
  readonly streamId: string;
  readonly attributes: EventAttributes;
  readonly #contract: EventContract;
  readonly #record: EventRecord;
  #decoded: { payload: unknown } | undefined;

  constructor(contract: EventContract, record: EventRecord) {
    this.globalPosition = record.globalPosition;
    this.eventId = record.eventId;
    this.eventType = record.eventType;
    this.eventVersion = record.eventVersion;
    this.occurredAtMs = record.occurredAtMs;
    this.streamId = record.streamId;
    this.attributes = record.attributes;
    this.#contract = contract;
    this.#record = record;
  }

  get payload(): unknown {
    if (this.#decoded === undefined) {
      const decoded = decodeEvent(this.#contract, this.#record);
      if (decoded instanceof PayloadRejection) throw new InvalidEventError(decoded.reason);
      this.#decoded = decoded;
    }
    return this.#decoded.payload;
  }
}
