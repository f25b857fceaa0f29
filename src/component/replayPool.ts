import { Workpool } from "@convex-dev/workpool";
import { components } from "./_generated/api.js";

/** Few parallel chunks on purpose: rebuilds are background work and must leave capacity to live traffic. */
export const REPLAY_MAX_PARALLELISM = 3;

/**
 * A chunk's retries ride out an object-store outage of minutes: 7 backoffs of 5 s doubling, 635 s
 * in all (the Workpool's jitter makes it 318–953 s), so an outage shorter than 5 minutes never
 * fails a rebuild. A failed automatic rebuild is retried on top of this (automaticRebuilds.ts).
 */
export const CHUNK_RETRIES = { maxAttempts: 8, initialBackoffMs: 5_000, base: 2 };

export const replayPool = new Workpool(components.replayPool, {
  maxParallelism: REPLAY_MAX_PARALLELISM,
  retryActionsByDefault: true,
  defaultRetryBehavior: CHUNK_RETRIES,
  logLevel: "WARN",
});
