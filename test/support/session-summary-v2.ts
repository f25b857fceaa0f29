// A version 2 of the demo's sessionSummary whose read model has another shape: a field renamed
// (eventCount → events), one dropped (errorCount), one added (playCount), the time span retyped
// from ISO strings to epoch milliseconds.
import * as z from "zod";
import type { playbackEvents } from "../../convex/projections.ts";
import { defineProjection, type DecodedEvent, type HandlerContext } from "../../src/registry/index.ts";

export const sessionSummaryV2Document = z.object({
  streamId: z.string(),
  events: z.int().nonnegative(),
  rebufferCount: z.int().nonnegative(),
  playCount: z.int().nonnegative(),
  firstAtMs: z.number(),
  lastAtMs: z.number(),
});
type Summary = z.output<typeof sessionSummaryV2Document>;
type Key = Pick<Summary, "streamId">;

function fold(kind: "Play" | "Rebuffer" | "other") {
  return {
    prefetch: (event: DecodedEvent<unknown>): Key => ({ streamId: event.streamId }),
    handle: async ({ readModel }: HandlerContext<Summary, Key>, event: DecodedEvent<unknown>) => {
      await readModel.update({ streamId: event.streamId }, (doc) => ({
        streamId: doc.streamId,
        events: doc.events + 1,
        rebufferCount: doc.rebufferCount + (kind === "Rebuffer" ? 1 : 0),
        playCount: doc.playCount + (kind === "Play" ? 1 : 0),
        firstAtMs: Math.min(doc.firstAtMs, event.occurredAtMs),
        lastAtMs: Math.max(doc.lastAtMs, event.occurredAtMs),
      }));
    },
  };
}

/**
 * Built from the app's event contracts (passed in: a test mocking the projections module builds it
 * there), with the expectation its version bump is verified against, if any.
 */
export function sessionSummaryV2(
  events: typeof playbackEvents,
  verifyBumps?: { mayChange: readonly string[]; maxChangedShare?: number },
) {
  return defineProjection({
  name: "sessionSummary",
  version: 2,
  complexity: "light",
  ...(verifyBumps ? { verifyBumps } : {}),
  readModel: {
    document: sessionSummaryV2Document,
    key: ["streamId"],
    initial: ({ streamId }) => ({
      streamId,
      events: 0,
      rebufferCount: 0,
      playCount: 0,
      firstAtMs: Number.MAX_SAFE_INTEGER,
      lastAtMs: Number.MIN_SAFE_INTEGER,
    }),
  },
  events: {
    Play: { event: events.Play, ...fold("Play") },
    Pause: { event: events.Pause, ...fold("other") },
    Seek: { event: events.Seek, ...fold("other") },
    Rebuffer: { event: events.Rebuffer, ...fold("Rebuffer") },
    Error: { event: events.Error, ...fold("other") },
    End: { event: events.End, ...fold("other") },
  },
  });
}
