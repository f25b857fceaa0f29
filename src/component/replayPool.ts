import { Workpool } from "@convex-dev/workpool";
import { components } from "./_generated/api.js";
import type { QueryCtx } from "./_generated/server.js";

/**
 * Few parallel chunks by default, on purpose: rebuilds are background work and must leave capacity
 * to live traffic. The app raises it (REPROJECT_REPLAY_PARALLELISM) for rebuilds in many lanes.
 */
export const DEFAULT_REPLAY_PARALLELISM = 3;

/**
 * A chunk's retries ride out an object-store outage of minutes: 7 backoffs of 5 s doubling, 635 s
 * in all (the Workpool's jitter makes it 318–953 s), so an outage shorter than 5 minutes never
 * fails a rebuild. A failed automatic rebuild is retried on top of this (automaticRebuilds.ts).
 */
export const CHUNK_RETRIES = { maxAttempts: 8, initialBackoffMs: 5_000, base: 2 };

const pools = new Map<number, Workpool>();

/**
 * The replay pool at the parallelism the app last passed: every enqueue passes it to the Workpool,
 * which runs that many at once from then on, so all of them pass the same.
 */
export async function replayPool(ctx: QueryCtx): Promise<Workpool> {
  const stored = await ctx.db.query("appFunctions").first();
  const maxParallelism = stored?.replayParallelism ?? DEFAULT_REPLAY_PARALLELISM;
  let pool = pools.get(maxParallelism);
  if (!pool) {
    pool = new Workpool(components.replayPool, {
      maxParallelism,
      retryActionsByDefault: true,
      defaultRetryBehavior: CHUNK_RETRIES,
      logLevel: "WARN",
    });
    pools.set(maxParallelism, pool);
  }
  return pool;
}
