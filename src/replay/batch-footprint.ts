// What a batch will cost its transaction, added up as events join it, so that a chunk cuts the
// batch before it would run into one of Convex's per-transaction limits instead of after (a
// mutation thrown away, then halved batches that grow back into the limit). A batch is counted in
// units: each distinct read-model key its events' `prefetch` declares (one index range to load it,
// one document read and written) and each event whose handler declares none; and in the bytes its
// events weigh as the mutation's arguments. What one unit costs of each limit is learned from the
// metrics of the batches committed before.
import { BatchKeys } from "../registry/batch-keys.ts";
import type { AnyProjection, EventRecord } from "../registry/index.ts";
import { LIMIT_SHARE } from "./transaction-budget.ts";

/** The per-transaction limits a batch is sized by. */
export type TransactionMetric =
  "indexRanges" | "bytesRead" | "bytesWritten" | "documentsWritten" | "functionsScheduled";

/** What a committed batch's transaction used of each limit, and the limit (Convex's used + remaining). */
export type TransactionUsage = Record<TransactionMetric, { used: number; limit: number }>;

const MiB = 2 ** 20;

/** Convex's limits, until a transaction reports the deployment's own. */
export const CONVEX_TRANSACTION_LIMITS: Readonly<Record<TransactionMetric, number>> = {
  indexRanges: 4_096,
  bytesRead: 16 * MiB,
  bytesWritten: 16 * MiB,
  documentsWritten: 16_000,
  /** Effects a handler schedules (src/server/schedule-effects.ts). */
  functionsScheduled: 1_000,
};

const TRANSACTION_METRICS = Object.keys(CONVEX_TRANSACTION_LIMITS) as TransactionMetric[];

/** A mutation's arguments may weigh 16 MiB. */
export const ARGUMENT_BYTES_LIMIT = 16 * MiB;

/** Bytes of an event's fields besides its strings: its numbers and the columns' framing. */
const EVENT_FIXED_BYTES = 64;

export class BatchFootprint {
  private readonly projection: AnyProjection;
  private readonly keys: BatchKeys;
  private undeclared = 0;
  private argumentBytes = 0;
  /** Until measured: a unit is one index range and one document written, its bytes unknown. */
  private maxUnits = unitsWithin(CONVEX_TRANSACTION_LIMITS, {
    indexRanges: 1,
    bytesRead: 0,
    bytesWritten: 0,
    documentsWritten: 1,
    functionsScheduled: 0,
  });

  constructor(projection: AnyProjection) {
    this.projection = projection;
    this.keys = new BatchKeys(projection);
  }

  /** Keys declared and events without declared keys, since the last `clear`. */
  get units(): number {
    return this.keys.count + this.undeclared;
  }

  /** Counts the event in, unless it would take the batch past its share of a limit (a first event always fits). */
  admit(event: EventRecord): boolean {
    const newKeys = this.keys.newKeysOf(event);
    const bytes = eventArgumentBytes(event);
    const empty = this.units === 0 && this.argumentBytes === 0;
    if (!empty) {
      const units = this.units + (newKeys ?? 1);
      if (units > this.maxUnits || this.argumentBytes + bytes > ARGUMENT_BYTES_LIMIT * LIMIT_SHARE) return false;
    }
    if (newKeys === undefined) this.undeclared++;
    else this.keys.add();
    this.argumentBytes += bytes;
    return true;
  }

  /** The units of a batch of these events (the part of a batch split after a limit error). */
  unitsOf(events: readonly EventRecord[]): number {
    const keys = new BatchKeys(this.projection);
    let undeclared = 0;
    for (const event of events) {
      if (keys.newKeysOf(event) === undefined) undeclared++;
      else keys.add();
    }
    return keys.count + undeclared;
  }

  clear(): void {
    this.keys.clear();
    this.undeclared = 0;
    this.argumentBytes = 0;
  }

  /** Learns what a unit costs, and the limits, from a committed batch of `units` units. */
  learn(usage: TransactionUsage, units: number): void {
    if (units === 0) return;
    const limits = {} as Record<TransactionMetric, number>;
    const perUnit = {} as Record<TransactionMetric, number>;
    for (const metric of TRANSACTION_METRICS) {
      limits[metric] = usage[metric].limit;
      perUnit[metric] = usage[metric].used / units;
    }
    this.maxUnits = unitsWithin(limits, perUnit);
  }
}

function unitsWithin(limits: Record<TransactionMetric, number>, perUnit: Record<TransactionMetric, number>): number {
  let units = Infinity;
  for (const metric of TRANSACTION_METRICS) {
    if (perUnit[metric] > 0) units = Math.min(units, Math.floor((limits[metric] * LIMIT_SHARE) / perUnit[metric]));
  }
  return units;
}

/** About what the event weighs among the batch mutation's arguments. */
export function eventArgumentBytes(event: EventRecord): number {
  let bytes = EVENT_FIXED_BYTES + utf8Bytes(event.payload) + utf8Bytes(event.eventId) + utf8Bytes(event.streamId);
  bytes += utf8Bytes(event.eventType);
  for (const name in event.attributes) {
    const value = event.attributes[name];
    bytes += typeof value === "string" ? utf8Bytes(value) : 8;
  }
  return bytes;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length, counting a surrogate pair as 6 bytes rather than 4: an upper bound, without encoding. */
function utf8Bytes(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x7f) bytes += code > 0x7ff ? 2 : 1;
  }
  return bytes;
}
