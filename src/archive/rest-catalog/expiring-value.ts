// A value that stops working at some point (an OAuth2 access token, vended storage credentials):
// fetched once and shared by concurrent callers, fetched again shortly before it expires, or at once
// when whoever uses it learns it no longer works.

export interface Expiring<T> {
  value: T;
  /** Epoch ms after which the value no longer works; absent: until it is refused. */
  expiresAtMs?: number;
}

/**
 * How long before expiry a value is replaced: a minute covers clock skew and requests in flight.
 * A value that lives only seconds is replaced once four fifths of its life have passed, so it is
 * not fetched again for every use.
 */
export const REFRESH_MARGIN_MS = 60_000;
const SHORT_LIFE_REFRESH_FRACTION = 0.2;

export class ExpiringValue<T> {
  private current: { value: T; refreshAtMs: number } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly fetchValue: () => Promise<Expiring<T>>,
    initial?: Expiring<T>,
    private readonly now: () => number = Date.now,
  ) {
    if (initial) this.current = this.remember(initial, this.now());
  }

  /** The current value, fetched first when there is none or it is about to expire. */
  get(): Promise<T> {
    if (this.current && this.now() < this.current.refreshAtMs) return Promise.resolve(this.current.value);
    return this.fetchOnce();
  }

  /** A fresh value, whatever the old one's expiry said (it was refused). */
  refresh(): Promise<T> {
    this.current = undefined;
    return this.fetchOnce();
  }

  private fetchOnce(): Promise<T> {
    this.pending ??= (async () => {
      const fetchedAtMs = this.now();
      try {
        const fetched = await this.fetchValue();
        this.current = this.remember(fetched, fetchedAtMs);
        return fetched.value;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  private remember({ value, expiresAtMs }: Expiring<T>, fetchedAtMs: number) {
    if (expiresAtMs === undefined) return { value, refreshAtMs: Infinity };
    const lifetimeMs = Math.max(0, expiresAtMs - fetchedAtMs);
    return { value, refreshAtMs: expiresAtMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs * SHORT_LIFE_REFRESH_FRACTION) };
  }
}
