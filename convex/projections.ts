// The demo domain (video playback telemetry): its event contracts and its two projections.
// Declarations only: no Convex functions here, so this module runs the same in Convex, the CLI and tests.
import * as z from "zod";
import {
  defineEvent,
  defineProjection,
  defineRegistry,
  requireAttribute,
  type DecodedEvent,
  type HandlerContext,
} from "reproject";

const playheadMs = z.int().nonnegative();

// Only Rebuffer has changed shape so far; the other payloads are open objects with a few optional,
// typed fields.
export const playbackEvents = {
  Play: defineEvent("Play", { versions: { 1: z.looseObject({ positionMs: playheadMs.optional() }) } }),
  Pause: defineEvent("Pause", { versions: { 1: z.looseObject({ positionMs: playheadMs.optional() }) } }),
  Seek: defineEvent("Seek", {
    versions: { 1: z.looseObject({ fromMs: playheadMs.optional(), toMs: playheadMs.optional() }) },
  }),
  Rebuffer: defineEvent("Rebuffer", {
    versions: {
      1: z.object({ durationSec: z.number().nonnegative().multipleOf(0.001) }),
      2: z.object({ durationMs: z.int().nonnegative() }),
    },
    upcasters: { 1: ({ durationSec }) => ({ durationMs: Math.round(durationSec * 1000) }) },
  }),
  Error: defineEvent("Error", {
    versions: { 1: z.looseObject({ code: z.union([z.string(), z.int()]).optional(), message: z.string().optional() }) },
  }),
  End: defineEvent("End", { versions: { 1: z.looseObject({ positionMs: playheadMs.optional() }) } }),
};

/** Rebuffering per CDN and device. */
export const rebufferByCdn = defineProjection({
  name: "rebufferByCdn",
  version: 1,
  complexity: "light",
  readModel: {
    document: z.object({
      cdn: z.string(),
      device: z.string(),
      rebufferCount: z.int().nonnegative(),
      rebufferMs: z.int().nonnegative(),
    }),
    key: ["cdn", "device"],
    initial: ({ cdn, device }) => ({ cdn, device, rebufferCount: 0, rebufferMs: 0 }),
  },
  // A document per (cdn, device): events of one pair always go to the same lane.
  lanes: { key: (event) => `${event.attributes.cdn}|${event.attributes.device}` },
  events: {
    Rebuffer: {
      event: playbackEvents.Rebuffer,
      prefetch: cdnAndDevice,
      handle: async ({ readModel }, event) => {
        await readModel.update(cdnAndDevice(event), (stats) => ({
          cdn: stats.cdn,
          device: stats.device,
          rebufferCount: stats.rebufferCount + 1,
          rebufferMs: stats.rebufferMs + event.payload.durationMs,
        }));
      },
    },
  },
});

function cdnAndDevice(event: DecodedEvent<unknown>): { cdn: string; device: string } {
  return { cdn: requireAttribute(event, "cdn"), device: requireAttribute(event, "device") };
}

const sessionDocument = z.object({
  streamId: z.string(),
  eventCount: z.int().nonnegative(),
  rebufferCount: z.int().nonnegative(),
  errorCount: z.int().nonnegative(),
  firstAt: z.iso.datetime(),
  lastAt: z.iso.datetime(),
});
type SessionSummary = z.output<typeof sessionDocument>;
type SessionKey = Pick<SessionSummary, "streamId">;

// ISO-8601 timestamps in UTC with milliseconds compare as strings in time order, so min/max make the
// summary independent of the order events arrive in. The initial bounds are never stored: a
// summary is written only after its first event has replaced both.
const LATEST_TIMESTAMP = "9999-12-31T23:59:59.999Z";
const EARLIEST_TIMESTAMP = "0000-01-01T00:00:00.000Z";

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there on toISOString writes six-digit years. */
const FIVE_DIGIT_YEARS_MS = 253_402_300_800_000;
let memoDay = Number.NaN;
let memoDatePrefix = "";

/**
 * `new Date(ms).toISOString()` at a fraction of its cost (which would be a third of the whole
 * pipeline's budget): events come in time order, so the date part is formatted once per day.
 */
function isoTimestamp(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= FIVE_DIGIT_YEARS_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== memoDay) {
    memoDay = day;
    memoDatePrefix = new Date(day * DAY_MS).toISOString().slice(0, "YYYY-MM-DDT".length);
  }
  const inDay = ms - day * DAY_MS;
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor(inDay / 60_000) % 60;
  const seconds = Math.floor(inDay / 1000) % 60;
  return `${memoDatePrefix}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}.${threeDigits(inDay % 1000)}Z`;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

function threeDigits(value: number): string {
  return value < 10 ? `00${value}` : value < 100 ? `0${value}` : `${value}`;
}

/** A session handler: counts the event, widens the time span, and bumps `counter` if given. */
function foldIntoSession(counter?: "rebufferCount" | "errorCount") {
  return {
    prefetch: (event: DecodedEvent<unknown>): SessionKey => ({ streamId: event.streamId }),
    handle: async ({ readModel }: HandlerContext<SessionSummary, SessionKey>, event: DecodedEvent<unknown>) => {
      const at = isoTimestamp(event.occurredAtMs);
      await readModel.update({ streamId: event.streamId }, (summary) => ({
        streamId: summary.streamId,
        eventCount: summary.eventCount + 1,
        rebufferCount: counter === "rebufferCount" ? summary.rebufferCount + 1 : summary.rebufferCount,
        errorCount: counter === "errorCount" ? summary.errorCount + 1 : summary.errorCount,
        firstAt: at < summary.firstAt ? at : summary.firstAt,
        lastAt: at > summary.lastAt ? at : summary.lastAt,
      }));
    },
  };
}

/** One summary per playback session (stream). */
export const sessionSummary = defineProjection({
  name: "sessionSummary",
  version: 1,
  complexity: "light",
  readModel: {
    document: sessionDocument,
    key: ["streamId"],
    initial: ({ streamId }) => ({
      streamId,
      eventCount: 0,
      rebufferCount: 0,
      errorCount: 0,
      firstAt: LATEST_TIMESTAMP,
      lastAt: EARLIEST_TIMESTAMP,
    }),
  },
  // A document per playback session: a rebuild may fold sessions in parallel lanes.
  lanes: { key: "stream" },
  events: {
    Play: { event: playbackEvents.Play, ...foldIntoSession() },
    Pause: { event: playbackEvents.Pause, ...foldIntoSession() },
    Seek: { event: playbackEvents.Seek, ...foldIntoSession() },
    Rebuffer: { event: playbackEvents.Rebuffer, ...foldIntoSession("rebufferCount") },
    Error: { event: playbackEvents.Error, ...foldIntoSession("errorCount") },
    End: { event: playbackEvents.End, ...foldIntoSession() },
  },
});

export const registry = defineRegistry([rebufferByCdn, sessionSummary]);
