// Reactive queries without a change feed: convex-test cannot say what a write invalidated, so every
// subscribed query is re-run after writes (throttled) and its result pushed only when it changed.
import { AsyncLocalStorage } from "node:async_hooks";
import { convexToJson, type Value } from "convex/values";
import type { FunctionResult } from "./function-result.ts";
import type { LocalIdentity } from "./identity.ts";

export interface SubscribedQuery {
  readonly path: string;
  readonly args: Value;
  readonly identity: LocalIdentity | undefined;
}

export interface SubscriptionOptions {
  /** At most one refresh per this many ms: a rebuild commits hundreds of mutations per second. */
  minRefreshIntervalMs: number;
  /** See `SubscriptionHub`'s constructor. */
  fallbackRefreshMs: number;
}

interface Subscriber {
  readonly push: (result: FunctionResult) => void;
  lastSent?: string;
}

interface QueryGroup {
  readonly query: SubscribedQuery;
  readonly subscribers: Set<Subscriber>;
  /** Runs are numbered so that a slow, older run never overwrites a newer result. */
  runsStarted: number;
  newestRunPushed: number;
}

export class SubscriptionHub {
  private readonly groups = new Map<string, QueryGroup>();
  /** Timers started from inside a function must not inherit its async context (convex-test's transaction). */
  private readonly detached = AsyncLocalStorage.snapshot();
  private readonly fallbackTimer: NodeJS.Timeout;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private staleDuringRefresh = false;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;

  /**
   * `invalidate()` runs after every function's mutation, including scheduled and component ones. The
   * fallback refresh every `fallbackRefreshMs` catches writes made outside registered functions
   * (an in-process caller's `t.run`, convex-test's own `_scheduled_functions` bookkeeping).
   */
  constructor(
    private readonly runQuery: (query: SubscribedQuery) => Promise<FunctionResult>,
    private readonly options: SubscriptionOptions,
  ) {
    this.fallbackTimer = setInterval(() => this.invalidate(), options.fallbackRefreshMs);
    this.fallbackTimer.unref();
  }

  get size(): number {
    let subscribers = 0;
    for (const group of this.groups.values()) subscribers += group.subscribers.size;
    return subscribers;
  }

  /** Pushes the query's result now and whenever it changes; returns the function that unsubscribes. */
  async subscribe(query: SubscribedQuery, push: (result: FunctionResult) => void): Promise<() => void> {
    const key = JSON.stringify([query.path, convexToJson(query.args), query.identity ?? null]);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { query, subscribers: new Set(), runsStarted: 0, newestRunPushed: 0 }));
    const subscriber: Subscriber = { push };
    group.subscribers.add(subscriber);
    const subscribed = group;
    await this.refreshGroup(subscribed);
    return () => {
      subscribed.subscribers.delete(subscriber);
      if (subscribed.subscribers.size === 0 && this.groups.get(key) === subscribed) this.groups.delete(key);
    };
  }

  /** Data may have changed: re-run the subscribed queries soon, at most once per interval. */
  invalidate(): void {
    if (this.groups.size === 0) return;
    if (this.refreshing) {
      this.staleDuringRefresh = true;
      return;
    }
    if (this.refreshTimer) return;
    const waitMs = Math.max(0, this.lastRefreshAt + this.options.minRefreshIntervalMs - performance.now());
    this.detached(() => {
      this.refreshTimer = setTimeout(() => void this.refreshAll(), waitMs);
    });
  }

  close(): void {
    clearInterval(this.fallbackTimer);
    clearTimeout(this.refreshTimer);
    this.groups.clear();
  }

  private async refreshAll(): Promise<void> {
    this.refreshTimer = undefined;
    this.refreshing = true;
    this.lastRefreshAt = performance.now();
    try {
      await Promise.all([...this.groups.values()].map((group) => this.refreshGroup(group)));
    } finally {
      this.refreshing = false;
      if (this.staleDuringRefresh) {
        this.staleDuringRefresh = false;
        this.invalidate();
      }
    }
  }

  private async refreshGroup(group: QueryGroup): Promise<void> {
    const run = ++group.runsStarted;
    const result = await this.runQuery(group.query);
    if (run < group.newestRunPushed) return;
    group.newestRunPushed = run;
    const encoded = JSON.stringify(result);
    for (const subscriber of group.subscribers) {
      if (subscriber.lastSent === encoded) continue;
      subscriber.lastSent = encoded;
      subscriber.push(result);
    }
  }
}
