// Committing a batch of events to a rebuild's generation: handlers through the registry, one write
// per touched document, then the component's checkpoint (counters, dead letters, cursor, rate), all
// in the caller's transaction.
import type { FunctionReturnType, GenericMutationCtx } from "convex/server";
import {
  applyBatch,
  describeEventError,
  type EventError,
  type AnyProjection,
  type EventRecord,
} from "../registry/index.ts";
import type { ComponentApi } from "../component/componentApi.ts";
import { describePositionGap, type PositionGap } from "../replay/position-gap.ts";
import type { Counters, RebuildError } from "../component/validators.ts";
import { ConvexReadModelStorage } from "./read-model-storage.ts";
import { deadLetterInputs, parkedKeysOf, recordParkedKeys } from "./parked-keys.ts";
import { scheduleEffects } from "./schedule-effects.ts";
import type { Wiring } from "./wiring.ts";

export interface CommitInput {
  events: EventRecord[];
  skipped: number;
  filtered: number;
  lastPosition: number;
}

/** The rebuild as the component opens a batch for it. */
export type OpenRebuild = Extract<
  FunctionReturnType<ComponentApi["lifecycle"]["openBatch"]>,
  { status: "open" }
>["rebuild"];

export type CommitResult = { ok: true } | { ok: false; failure: EventError };

export async function commitEvents(
  ctx: GenericMutationCtx<any>,
  { registry, component }: Wiring,
  rebuildId: string,
  rebuild: OpenRebuild,
  input: CommitInput,
): Promise<CommitResult> {
  const projection: AnyProjection = registry.require(rebuild.projection);
  const storage = new ConvexReadModelStorage(ctx.db, projection.name, rebuild.generation);
  const { effectsAfter } = rebuild;
  const byKey = rebuild.errorPolicy === "dead-letter-key";
  const result = await applyBatch(projection, input.events, {
    storage,
    policy: rebuild.errorPolicy,
    ...(byKey ? { parkedKeys: parkedKeysOf(ctx, component, rebuildId) } : {}),
    dryRun: rebuild.dryRun,
    raw: ctx,
    ...(rebuild.mode === "verify" ? { mode: "verify" as const } : {}),
    ...(projection.effectsDuringRebuild === "after-previous-version" && effectsAfter !== null
      ? { effects: (position: number) => position > effectsAfter }
      : {}),
  });
  if (result.failure) return { ok: false, failure: result.failure };
  await storage.write(result.writes);
  await scheduleEffects(ctx, result.effects);
  const batch = result.counters;
  const counters: Counters = {
    found: batch.found + input.skipped + input.filtered,
    applied: batch.applied,
    skipped: batch.skipped + input.skipped,
    filtered: input.filtered,
    invalid: batch.invalid,
    failed: batch.failed,
    deadLettered: batch.deadLettered,
    retried: 0,
  };
  // Before the checkpoint's own writes: what the handlers wrote for these events.
  const metrics = await ctx.meta.getTransactionMetrics();
  await ctx.runMutation(component.lifecycle.commitBatch, {
    rebuildId,
    ...(rebuild.lane === null ? {} : { lane: rebuild.lane }),
    lastPosition: input.lastPosition,
    counters,
    writes: { documentsWritten: metrics.documentsWritten.used, bytesWritten: metrics.bytesWritten.used },
    deadLetters: deadLetterInputs(result, input.events, byKey),
  });
  await recordParkedKeys(ctx, component, rebuildId, result);
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

/** The failure of a rebuild whose tail after `after` found positions missing from the events table. */
export function gapFailure(gap: PositionGap, after: number): RebuildError {
  return { message: describePositionGap(gap, after), position: gap.from, at: Date.now() };
}
