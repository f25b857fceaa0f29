import { Workpool } from "@convex-dev/workpool";
import { components } from "./_generated/api.js";

/** Few parallel chunks on purpose: rebuilds are background work and must leave capacity to live traffic. */
export const REPLAY_MAX_PARALLELISM = 3;

export const replayPool = new Workpool(components.replayPool, {
  maxParallelism: REPLAY_MAX_PARALLELISM,
  retryActionsByDefault: true,
  defaultRetryBehavior: { maxAttempts: 5, initialBackoffMs: 500, base: 2 },
  logLevel: "WARN",
});
