// Events per mutation, adapted as a chunk goes: halve on a Convex limit error, shrink after a slow
// transaction, grow back while transactions stay quick, never above the projection's default.

/** Convex allows 1 s of user code per mutation; stay well clear of it. */
export const SLOW_MUTATION_MS = 500;
export const FAST_MUTATION_MS = 150;
const GROWTH = 1.25;
const SLOW_SHRINK = 0.7;

export class BatchSizer {
  private current: number;

  constructor(readonly maximum: number) {
    this.current = maximum;
  }

  get size(): number {
    return Math.max(1, Math.floor(this.current));
  }

  afterSuccess(durationMs: number): void {
    if (durationMs > SLOW_MUTATION_MS) this.current = Math.max(1, this.current * SLOW_SHRINK);
    else if (durationMs < FAST_MUTATION_MS) this.current = Math.min(this.maximum, this.current * GROWTH);
  }

  /** After a transaction-limit error: the next batches are half as big. */
  afterLimitError(): void {
    this.current = Math.max(1, Math.floor(this.size / 2));
  }
}

/** Whether an error from a mutation says it hit one of Convex's per-transaction limits. */
export function isTransactionLimitError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /This is a Convex limit|Too many (reads|writes|documents|bytes|index ranges)|too much data|Wrote too many|Scanned too many|TooMany|timed out/i.test(
    message,
  );
}
