// Deterministic video playback telemetry for the demo archive: interleaved sessions, each a Play,
// some Pause / Seek / Rebuffer / Error, and an End. Generated one event at a time from a seeded
// PRNG, so the same seed gives the same events however they are chunked, in constant memory.
import { defineEnvelope, type EventRecord } from "../../registry/index.ts";
import { SeededRandom, weighted } from "../../archive/writer/seeded-random.ts";
import { envelope } from "../../../convex/envelope.ts";

export const DEMO_START_MS = Date.UTC(2025, 0, 1);
export const DEMO_SPAN_DAYS = 30;
/** Sessions playing at once; their events interleave. */
export const DEMO_CONCURRENT_SESSIONS = 200;
/** Rebuffer events switch from payload v1 (`durationSec`) to v2 (`durationMs`) after this share of the archive. */
export const REBUFFER_V2_FROM_SHARE = 0.6;
/** Events per snapshot of the demo archive; it always has at least MIN_DEMO_SNAPSHOTS. */
export const DEMO_EVENTS_PER_SNAPSHOT = 1_000_000;
export const MIN_DEMO_SNAPSHOTS = 4;

const CDNS = weighted([["CDN1", 40], ["CDN2", 30], ["CDN3", 20], ["CDN4", 10]] as const);
const DEVICES = weighted([["Android", 30], ["iOS", 25], ["Web", 25], ["SmartTV", 12], ["Roku", 8]] as const);
/** null: the session could not be located. */
const COUNTRIES = weighted<string | null>([
  ["US", 30], ["IN", 14], ["BR", 10], ["GB", 10], ["DE", 10], ["FR", 8], ["JP", 8], ["MX", 5], ["CA", 3], [null, 2],
]);
const MIDDLE_EVENTS = weighted([["Rebuffer", 40], ["Pause", 30], ["Seek", 20], ["Error", 10]] as const);
const ERROR_CODES = weighted([["E_NETWORK", 50], ["E_DECODE", 20], ["E_DRM", 10], ["E_MANIFEST", 20]] as const);
const BITRATES_KBPS = weighted([[800, 10], [1800, 25], [3500, 35], [6000, 20], [12000, 10]] as const);
/** Mean number of events between Play and End. */
const MEAN_MIDDLE_EVENTS = 12;
const MAX_SESSION_EVENTS = 200;

const MICROS_PER_MS = 1000;
const SPAN_MICROS = DEMO_SPAN_DAYS * 86_400_000 * MICROS_PER_MS;

/** The demo's envelope before `country` was added: the archive's first half is written with it. */
export const ENVELOPE_BEFORE_COUNTRY = defineEnvelope({
  columns: envelope.columns,
  ...(envelope.attributesColumn ? { attributesColumn: envelope.attributesColumn } : {}),
  attributes: Object.fromEntries(Object.entries(envelope.attributes).filter(([name]) => name !== "country")),
});

/** One snapshot of the demo archive: the positions it holds and whether it has the `country` column. */
export interface DemoAppend {
  firstPosition: number;
  lastPosition: number;
  withCountry: boolean;
}

/** How the demo splits `events` into snapshots: an even count, so `country` starts exactly half-way. */
export function planDemoAppends(events: number): DemoAppend[] {
  checkEventCount(events);
  const wanted = Math.max(MIN_DEMO_SNAPSHOTS, 2 * Math.ceil(events / (2 * DEMO_EVENTS_PER_SNAPSHOT)));
  const count = Math.min(events, wanted);
  const countryFrom = Math.floor(count / 2);
  return Array.from({ length: count }, (_, index) => ({
    firstPosition: Math.round((events * index) / count) + 1,
    lastPosition: Math.round((events * (index + 1)) / count),
    withCountry: index >= countryFrom,
  }));
}

interface Session {
  streamId: string;
  cdn: string;
  device: string;
  country: string | null;
  bitrateKbps: number;
  playheadSec: number;
  emitted: number;
  /** Events still to come, End included. */
  remaining: number;
}

export interface DemoEventOptions {
  events: number;
  seed: number;
}

/** The demo archive's events in position order; `country` is set from the half-way snapshot on. */
export function* demoEvents({ events, seed }: DemoEventOptions): Generator<EventRecord> {
  const plan = planDemoAppends(events);
  const countryFrom = plan.find((append) => append.withCountry)!.firstPosition;
  const rebufferV2From = Math.floor(events * REBUFFER_V2_FROM_SHARE) + 1;
  const random = new SeededRandom(seed);
  const active: Session[] = [];
  // Events not yet promised to any active session: new sessions only take what is left, and never
  // leave exactly one event over (a session needs at least Play and End).
  let unassigned = events;

  for (let position = 1; position <= events; position++) {
    while (active.length < DEMO_CONCURRENT_SESSIONS && unassigned >= 2) {
      let length = Math.min(sessionLength(random), unassigned);
      if (unassigned - length === 1) length++;
      unassigned -= length;
      active.push(newSession(random, length));
    }
    const index = Math.floor(random.next() * active.length);
    const session = active[index]!;
    const type = session.emitted === 0 ? "Play" : session.remaining === 1 ? "End" : random.pick(MIDDLE_EVENTS);
    const version = type === "Rebuffer" && position >= rebufferV2From ? 2 : 1;
    // Uniform in this position's slot of the span: strictly ordered slots keep time non-decreasing.
    const occurredMicros = Math.floor(((position - 1 + random.next()) * SPAN_MICROS) / events);
    yield {
      globalPosition: position,
      eventId: random.uuid(),
      eventType: type,
      eventVersion: version,
      occurredAtMs: DEMO_START_MS + Math.floor(occurredMicros / MICROS_PER_MS),
      streamId: session.streamId,
      attributes:
        position >= countryFrom
          ? { cdn: session.cdn, device: session.device, country: session.country }
          : { cdn: session.cdn, device: session.device },
      payload: payloadOf(random, session, type, version),
    };

    session.emitted++;
    session.remaining--;
    if (session.remaining === 0) {
      active[index] = active[active.length - 1]!;
      active.pop();
    }
  }
}

function checkEventCount(events: number): void {
  if (!Number.isSafeInteger(events) || events < 2) {
    throw new RangeError(`the demo archive needs an integer number of events >= 2 (a session is at least Play and End), got ${events}`);
  }
}

function sessionLength(random: SeededRandom): number {
  const middle = Math.floor(-Math.log(1 - random.next()) * MEAN_MIDDLE_EVENTS);
  return Math.min(2 + middle, MAX_SESSION_EVENTS);
}

function newSession(random: SeededRandom, length: number): Session {
  return {
    streamId: random.uuid(),
    cdn: random.pick(CDNS),
    device: random.pick(DEVICES),
    country: random.pick(COUNTRIES),
    bitrateKbps: random.pick(BITRATES_KBPS),
    playheadSec: 0,
    emitted: 0,
    remaining: length,
  };
}

function payloadOf(random: SeededRandom, session: Session, type: string, version: number): string {
  session.playheadSec += random.intBetween(5, 120);
  switch (type) {
    case "Play":
      return `{"bitrateKbps":${session.bitrateKbps}}`;
    case "Pause":
      return `{"positionSec":${session.playheadSec}}`;
    case "Seek": {
      const from = session.playheadSec;
      session.playheadSec = Math.max(0, from + random.intBetween(-300, 600));
      return `{"fromSec":${from},"toSec":${session.playheadSec}}`;
    }
    case "Rebuffer": {
      // Mostly short stalls with a long tail, in whole milliseconds so v1 seconds have <= 3 decimals.
      const durationMs = Math.min(60_000, 100 + Math.floor(-Math.log(1 - random.next()) * 1500));
      return version === 1 ? `{"durationSec":${durationMs / 1000}}` : `{"durationMs":${durationMs}}`;
    }
    case "Error":
      return `{"code":"${random.pick(ERROR_CODES)}","fatal":false}`;
    default:
      return `{"watchedSec":${session.playheadSec}}`;
  }
}
