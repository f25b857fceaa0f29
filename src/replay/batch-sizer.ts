// Events per mutation, adapted as a chunk goes: start at the projection's default, grow while
// transactions stay quick (a bigger batch coalesces more events per document: fewer reads, writes
// and calls), shrink after a slow one, halve on a Convex limit error.

/** Convex allows 1 s of user code per mutation; stay well clear of it. */
export const SLOW_MUTATION_MS = 500;
export const FAST_MUTATION_MS = 150;
/** How far above its default a batch may grow. */
export const GROWTH_CEILING_FACTOR = 4;
/** Convex arrays hold at most 8,192 values, and a batch travels as arrays of its events' fields. */
export const MAX_EVENTS_PER_MUTATION = 8_000;
const GROWTH = 1.25;
const SLOW_SHRINK = 0.7;

export class BatchSizer {
  private current: number;
  readonly ceiling: number;

  constructor(initial: number) {
    this.current = initial;
    this.ceiling = Math.min(MAX_EVENTS_PER_MUTATION, Math.max(initial, initial * GROWTH_CEILING_FACTOR));
  }

  get size(): number {
    return Math.max(1, Math.floor(this.current));
  }

  afterSuccess(durationMs: number): void {
    if (durationMs > SLOW_MUTATION_MS) this.current = Math.max(1, this.current * SLOW_SHRINK);
    else if (durationMs < FAST_MUTATION_MS) this.current = Math.min(this.ceiling, this.current * GROWTH);
  }

  /** After a transaction-limit error: the next batches are half as big. */
  afterLimitError(): void {
    this.current = Math.max(1, Math.floor(this.size / 2));
  }
}

/** Whether an error from a mutation says it hit one of Convex's per-transaction limits. */
export function isTransactionLimitError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /This is a Convex limit|Too many (reads|writes|documents|bytes|index ranges)|too much data|too large|Wrote too many|Scanned too many|TooMany|timed out/i.test(
    message,
  );
}
