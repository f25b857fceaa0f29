// Committing a batch of events to a rebuild's generation: handlers through the registry, one write
// per touched document, dead letters, counters, rate and checkpoint, in the caller's transaction.
import {
  applyBatch,
  describeEventError,
  type AnyProjection,
  type EventError,
  type EventRecord,
} from "../../src/registry/index.ts";
import { updateRate } from "../../src/progress/rate.ts";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { registry } from "../projections";
import type { Counters, RebuildError } from "../../src/component/validators.ts";
import { ConvexReadModelStorage } from "./readModelStorage";

export interface CommitInput {
  events: EventRecord[];
  skipped: number;
  filtered: number;
  lastPosition: number;
}

export type CommitResult = { ok: true } | { ok: false; failure: EventError };

export async function commitEvents(
  ctx: MutationCtx,
  rebuild: Doc<"rebuilds">,
  input: CommitInput,
): Promise<CommitResult> {
  const projection: AnyProjection = registry.require(rebuild.projection);
  const storage = new ConvexReadModelStorage(ctx.db, projection.name, rebuild.generation);
  const result = await applyBatch(projection, input.events, {
    storage,
    policy: rebuild.errorPolicy,
    dryRun: rebuild.dryRun,
    raw: ctx,
  });
  if (result.failure) return { ok: false, failure: result.failure };
  await storage.write(result.writes);
  const now = Date.now();
  if (result.deadLetters.length > 0) {
    await ctx.runMutation(components.reproject.deadLetters.record, {
      rebuildId: rebuild._id,
      projection: rebuild.projection,
      letters: result.deadLetters.map((letter) => ({
        eventId: letter.eventId,
        position: letter.globalPosition,
        eventType: letter.eventType,
        eventVersion: letter.eventVersion,
        kind: letter.kind,
        reason: letter.reason,
      })),
    });
  }
  const batch = result.counters;
  const counters: Counters = {
    ...rebuild.counters,
    found: rebuild.counters.found + batch.found + input.skipped + input.filtered,
    applied: rebuild.counters.applied + batch.applied,
    skipped: rebuild.counters.skipped + batch.skipped + input.skipped,
    filtered: rebuild.counters.filtered + input.filtered,
    invalid: rebuild.counters.invalid + batch.invalid,
    failed: rebuild.counters.failed + batch.failed,
    deadLettered: rebuild.counters.deadLettered + batch.deadLettered,
  };
  await ctx.db.patch(rebuild._id, {
    cursor: input.lastPosition,
    counters,
    processed: counters.found,
    rate: updateRate(rebuild.rate, counters.found, now),
    updatedAt: now,
  });
  return { ok: true };
}

export function eventFailure(error: EventError): RebuildError {
  return {
    message: describeEventError(error),
    eventId: error.eventId,
    position: error.globalPosition,
    eventType: error.eventType,
    at: Date.now(),
  };
}
