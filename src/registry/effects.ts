// Side effects of handlers (notifications, calls to other services): a handler asks for follow-up
// work through `ctx.effects`, and the runtime schedules it only where it must happen once: for live
// events, and in a rebuild only for events no earlier version's live processing has seen (a
// projection's `effectsDuringRebuild: "after-previous-version"`). Everywhere else the request is
// dropped, so a rebuild, a verify run or a dry run never re-sends what live processing sent.
import type { FunctionReference } from "convex/server";

/** Why a handler runs: for an appended event, a rebuild, a verify run's shadow, or a dry run. */
export type HandlerMode = "live" | "rebuild" | "verify" | "dry-run";

/** What a projection's rebuild does with effects its handlers request. */
export type EffectsDuringRebuild = "none" | "after-previous-version";

export interface Effects {
  /** Whether a request made now, for the current event, will be scheduled. */
  readonly active: boolean;
  /**
   * Schedules `fn` (a mutation or action) with `args`, `delayMs` after the transaction that applies
   * the event commits; nothing when the event is replayed.
   */
  schedule<Fn extends FunctionReference<"mutation" | "action", "public" | "internal">>(
    fn: Fn,
    args: Fn["_args"],
    options?: { delayMs?: number },
  ): void;
}

/** A scheduled effect, for the caller to hand to `ctx.scheduler` once the batch's writes stand. */
export interface PendingEffect {
  fn: FunctionReference<"mutation" | "action", "public" | "internal">;
  args: Record<string, unknown>;
  delayMs: number;
  /** The event that asked for it. */
  eventId: string;
  position: number;
}

/** Which events of a batch may schedule effects (by position); none when absent. */
export type EffectsGate = (position: number) => boolean;

/** Collects the effects of one batch, event by event, dropping those of an event that is undone. */
export class EffectRecorder implements Effects {
  readonly #pending: PendingEffect[] = [];
  #eventStart = 0;
  #event: { eventId: string; position: number } | null = null;
  #active = false;

  constructor(private readonly gate: EffectsGate | undefined) {}

  get active(): boolean {
    return this.#active;
  }

  beginEvent(eventId: string, position: number): void {
    this.#event = { eventId, position };
    this.#eventStart = this.#pending.length;
    this.#active = this.gate?.(position) ?? false;
  }

  /** The current event's handler failed: what it asked for is not scheduled. */
  undoEvent(): void {
    this.#pending.length = this.#eventStart;
  }

  schedule<Fn extends FunctionReference<"mutation" | "action", "public" | "internal">>(
    fn: Fn,
    args: Fn["_args"],
    { delayMs = 0 }: { delayMs?: number } = {},
  ): void {
    if (!this.#active || this.#event === null) return;
    if (!Number.isFinite(delayMs) || delayMs < 0)
      throw new Error(`effects.schedule: delayMs must be >= 0, got ${delayMs}`);
    this.#pending.push({ fn, args: args as Record<string, unknown>, delayMs, ...this.#event });
  }

  effects(): PendingEffect[] {
    return [...this.#pending];
  }
}
