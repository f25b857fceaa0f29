// A small seeded PRNG (mulberry32, seeded through splitmix32) so the demo archive is the same
// bytes for the same seed on every machine. Not for anything that needs unpredictability.

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // splitmix32 spreads nearby seeds (1, 2, 3...) over unrelated starting states.
    let mixed = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (mixed ^ (mixed >>> 16)) >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** Uniform integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One of `choices`, each as likely as its weight. */
  pick<T>(choices: WeightedChoices<T>): T {
    let ticket = this.next() * choices.totalWeight;
    for (const [value, weight] of choices.entries) {
      ticket -= weight;
      if (ticket < 0) return value;
    }
    return choices.entries[choices.entries.length - 1]![0];
  }

  /** A version-4-shaped UUID string. */
  uuid(): string {
    const a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    const hex = (word: number, shift: number) => HEX_BYTES[(word >>> shift) & 0xff]!;
    return (
      hex(a, 24) + hex(a, 16) + hex(a, 8) + hex(a, 0) + "-" +
      hex(b, 24) + hex(b, 16) + "-" +
      HEX_BYTES[0x40 | ((b >>> 8) & 0x0f)]! + hex(b, 0) + "-" +
      HEX_BYTES[0x80 | ((c >>> 24) & 0x3f)]! + hex(c, 16) + "-" +
      hex(c, 8) + hex(c, 0) + hex(d, 24) + hex(d, 16) + hex(d, 8) + hex(d, 0)
    );
  }

  /** A positive 63-bit integer, the shape of an Iceberg snapshot id. */
  positiveInt63(): bigint {
    const high = BigInt(this.nextUint32() & 0x7fffffff);
    const value = (high << 32n) | BigInt(this.nextUint32());
    return value === 0n ? 1n : value;
  }
}

export interface WeightedChoices<T> {
  entries: ReadonlyArray<readonly [T, number]>;
  totalWeight: number;
}

export function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): WeightedChoices<T> {
  return { entries, totalWeight: entries.reduce((sum, [, weight]) => sum + weight, 0) };
}
