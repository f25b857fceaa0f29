// Everything the writer invents: file names, snapshot ids and commit times. Random and wall-clock
// by default; a seeded source makes a whole table reproducible byte for byte.
import { randomBytes, randomUUID } from "node:crypto";
import type { SeededRandom } from "./seeded-random.ts";

export interface WriterIds {
  /** A fresh UUID string, for data, manifest and table names. */
  newUuid(): string;
  /** A fresh positive 63-bit snapshot id. */
  newSnapshotId(): bigint;
  /** Milliseconds since the epoch, for commit timestamps. */
  nowMs(): number;
}

export const randomWriterIds: WriterIds = {
  newUuid: () => randomUUID(),
  newSnapshotId: () => {
    const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
    return id === 0n ? 1n : id;
  },
  nowMs: () => Date.now(),
};

/** Ids drawn from `random`, and a clock that reads `clock()` (the caller decides what time it is). */
export function seededWriterIds(random: SeededRandom, clock: () => number): WriterIds {
  return { newUuid: () => random.uuid(), newSnapshotId: () => random.positiveInt63(), nowMs: clock };
}

/** The 16 bytes of a UUID string (an Avro sync marker wants 16 unpredictable-enough bytes). */
export function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ""), "hex"));
}
