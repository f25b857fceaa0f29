import { describe, expect, it } from "vitest";
import {
  DEMO_SPAN_DAYS,
  DEMO_START_MS,
  demoEvents,
  planDemoAppends,
  REBUFFER_V2_FROM_SHARE,
} from "../../src/archive/writer/demo-events.ts";
import type { EventRecord } from "../../src/archive/writer/event-archive.ts";
import { SeededRandom } from "../../src/archive/writer/seeded-random.ts";

const EVENTS = 30_000;
const events = [...demoEvents({ events: EVENTS, seed: 11 })];

describe("the demo event stream", () => {
  it("is the same for the same seed and different for another", () => {
    const again = [...demoEvents({ events: EVENTS, seed: 11 })];
    expect(again).toEqual(events);
    const other = [...demoEvents({ events: EVENTS, seed: 12 })];
    expect(other.map((event) => event.event_id)).not.toEqual(events.map((event) => event.event_id));
  });

  it("numbers positions 1..N and never moves time backwards, within the 30 demo days", () => {
    expect(events.map((event) => event.global_position)).toEqual(Array.from({ length: EVENTS }, (_, index) => index + 1));
    const start = BigInt(DEMO_START_MS) * 1000n;
    const end = start + BigInt(DEMO_SPAN_DAYS) * 86_400_000_000n;
    for (let index = 1; index < events.length; index++) {
      expect(events[index]!.occurred_at >= events[index - 1]!.occurred_at).toBe(true);
    }
    expect(events[0]!.occurred_at >= start).toBe(true);
    expect(events.at(-1)!.occurred_at < end).toBe(true);
    expect(Number(events.at(-1)!.occurred_at - events[0]!.occurred_at)).toBeGreaterThan(29 * 86_400_000_000);
  });

  it("gives every session a Play first, an End last and only middle events between", () => {
    const sessions = new Map<string, EventRecord[]>();
    for (const event of events) sessions.set(event.stream_id, [...(sessions.get(event.stream_id) ?? []), event]);
    expect(sessions.size).toBeGreaterThan(1_000);
    for (const session of sessions.values()) {
      expect(session[0]!.event_type).toBe("Play");
      expect(session.at(-1)!.event_type).toBe("End");
      for (const event of session.slice(1, -1)) expect(["Pause", "Seek", "Rebuffer", "Error"]).toContain(event.event_type);
      expect(new Set(session.map((event) => `${event.cdn}/${event.device}`)).size).toBe(1);
    }
  });

  it("spreads sessions over the four CDNs and five devices", () => {
    expect(new Set(events.map((event) => event.cdn))).toEqual(new Set(["CDN1", "CDN2", "CDN3", "CDN4"]));
    expect(new Set(events.map((event) => event.device))).toEqual(new Set(["Android", "iOS", "Web", "SmartTV", "Roku"]));
  });

  it("writes Rebuffer durations as v1 seconds with at most 3 decimals, then as v2 whole milliseconds", () => {
    const rebuffers = events.filter((event) => event.event_type === "Rebuffer");
    const switchAt = Math.floor(EVENTS * REBUFFER_V2_FROM_SHARE) + 1;
    for (const event of rebuffers) {
      const payload = JSON.parse(event.payload) as Record<string, number>;
      if (event.global_position < switchAt) {
        expect(event.event_version).toBe(1);
        expect(Object.keys(payload)).toEqual(["durationSec"]);
        expect(Math.round(payload.durationSec! * 1000) / 1000).toBe(payload.durationSec);
        expect(/^\d+(\.\d{1,3})?$/.test(String(payload.durationSec))).toBe(true);
      } else {
        expect(event.event_version).toBe(2);
        expect(Number.isInteger(payload.durationMs)).toBe(true);
      }
    }
    expect(rebuffers.filter((event) => event.event_version === 1).length).toBeGreaterThan(100);
    expect(rebuffers.filter((event) => event.event_version === 2).length).toBeGreaterThan(100);
    expect(events.filter((event) => event.event_type !== "Rebuffer").every((event) => event.event_version === 1)).toBe(true);
  });

  it("has a country only from the half-way snapshot on, sometimes unknown", () => {
    const half = EVENTS / 2;
    expect(events.slice(0, half).every((event) => !("country" in event))).toBe(true);
    const later = events.slice(half);
    expect(later.every((event) => "country" in event)).toBe(true);
    expect(later.filter((event) => event.country === null).length).toBeGreaterThan(0);
    expect(new Set(later.map((event) => event.country)).size).toBeGreaterThan(5);
  });
});

describe("the demo snapshot plan", () => {
  it("splits the events into an even number of contiguous snapshots, country from the second half", () => {
    const plan = planDemoAppends(10_000_000);
    expect(plan).toHaveLength(10);
    expect(plan[0]!.firstPosition).toBe(1);
    expect(plan.at(-1)!.lastPosition).toBe(10_000_000);
    for (let index = 1; index < plan.length; index++) expect(plan[index]!.firstPosition).toBe(plan[index - 1]!.lastPosition + 1);
    expect(plan.map((append) => append.withCountry)).toEqual([false, false, false, false, false, true, true, true, true, true]);
    expect(planDemoAppends(1_000)).toHaveLength(4);
    expect(planDemoAppends(3).map((append) => append.lastPosition - append.firstPosition + 1)).toEqual([1, 1, 1]);
  });

  it("needs at least a Play and an End", () => {
    expect(() => planDemoAppends(1)).toThrow(/integer number of events >= 2/);
    expect(() => planDemoAppends(2.5)).toThrow(RangeError);
    expect([...demoEvents({ events: 2, seed: 1 })].map((event) => event.event_type)).toEqual(["Play", "End"]);
  });
});

describe("the seeded PRNG", () => {
  it("draws UUIDs of version-4 shape, identical for the same seed", () => {
    const a = new SeededRandom(5);
    const b = new SeededRandom(5);
    const uuids = Array.from({ length: 50 }, () => a.uuid());
    expect(uuids).toEqual(Array.from({ length: 50 }, () => b.uuid()));
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(uuids).size).toBe(50);
  });

  it("draws positive 63-bit snapshot ids, mostly beyond 2^53", () => {
    const random = new SeededRandom(9);
    const ids = Array.from({ length: 200 }, () => random.positiveInt63());
    expect(ids.every((id) => id > 0n && id < 2n ** 63n)).toBe(true);
    expect(ids.filter((id) => id > 2n ** 53n).length).toBeGreaterThan(190);
  });
});
