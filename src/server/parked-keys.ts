// The app side of `dead-letter-key`: looking up the keys a rebuild parked, and storing a batch's
// dead letters (with their events, for a re-drive) and the keys it parked, in the batch's transaction.
import type { GenericMutationCtx } from "convex/server";
import type { BatchResult, EventRecord, ParkedKeysLookup } from "../registry/index.ts";
import type { ComponentApi } from "../component/componentApi.ts";
import type { DeadLetterInput } from "../component/validators.ts";

export function parkedKeysOf(
  ctx: GenericMutationCtx<any>,
  component: ComponentApi,
  rebuildId: string,
): ParkedKeysLookup {
  return async (keys) => {
    const parked = await ctx.runQuery(component.parkedKeys.among, { rebuildId, keys: [...keys] });
    return new Map(parked.map(({ key, behind }) => [key, behind]));
  };
}

/** The batch's dead letters as the component stores them; under `dead-letter-key` with their keys and events. */
export function deadLetterInputs(
  result: BatchResult<unknown>,
  events: readonly EventRecord[],
  byKey: boolean,
): DeadLetterInput[] {
  const byPosition =
    byKey && result.deadLetters.length > 0 ? new Map(events.map((event) => [event.globalPosition, event])) : null;
  return result.deadLetters.map((letter) => ({
    eventId: letter.eventId,
    position: letter.globalPosition,
    eventType: letter.eventType,
    eventVersion: letter.eventVersion,
    kind: letter.kind,
    reason: letter.reason,
    ...(byPosition ? { keys: [...letter.keys], event: storedEvent(byPosition.get(letter.globalPosition)!) } : {}),
  }));
}

/** Records the keys a batch parked and the keys of its letters (a no-op without any). */
export async function recordParkedKeys(
  ctx: GenericMutationCtx<any>,
  component: ComponentApi,
  rebuildId: string,
  result: BatchResult<unknown>,
): Promise<void> {
  const letterKeys = result.deadLetters.flatMap((letter) => letter.keys);
  if (letterKeys.length === 0) return;
  await ctx.runMutation(component.parkedKeys.park, { rebuildId, parked: result.parked, letterKeys });
}

function storedEvent(event: EventRecord): NonNullable<DeadLetterInput["event"]> {
  return { ...event, attributes: { ...event.attributes } };
}

/**
 * Live appends into a generation whose rebuild parked keys: an appended event touching one is
 * dead-lettered into that rebuild's letters (behind the letter that parked it), so that a re-drive
 * applies it in order, and the append goes on.
 */
export function generationParking(
  ctx: GenericMutationCtx<any>,
  component: ComponentApi,
  projection: string,
  generation: number,
) {
  let rebuildId: string | null = null;
  const lookup: ParkedKeysLookup = async (keys) => {
    const parked = await ctx.runQuery(component.parkedKeys.amongInGeneration, {
      projection,
      generation,
      keys: [...keys],
    });
    rebuildId = parked[0]?.rebuildId ?? null;
    return new Map(parked.map(({ key, behind }) => [key, behind]));
  };
  const record = async (result: BatchResult<unknown>, events: readonly EventRecord[]) => {
    if (result.deadLetters.length === 0 || rebuildId === null) return;
    await ctx.runMutation(component.parkedKeys.parkLive, {
      rebuildId,
      letters: deadLetterInputs(result, events, true),
      parked: result.parked,
    });
  };
  return { lookup, record };
}
