import { describe, expect, it } from "vitest";
import {
  DEMO_SPAN_DAYS,
  DEMO_START_MS,
  demoEvents,
  planDemoAppends,
  REBUFFER_V2_FROM_SHARE,
} from "../../src/local/demo/demo-events.ts";
import { SeededRandom } from "../../src/archive/writer/seeded-random.ts";
import type { EventRecord } from "../../src/registry/index.ts";

const EVENTS = 30_000;
const events = [...demoEvents({ events: EVENTS, seed: 11 })];

describe("the demo event stream", () => {
  it("is the same for the same seed and different for another", () => {
    const again = [...demoEvents({ events: EVENTS, seed: 11 })];
    expect(again).toEqual(events);
    const other = [...demoEvents({ events: EVENTS, seed: 12 })];
    expect(other.map((event) => event.eventId)).not.toEqual(events.map((event) => event.eventId));
  });

  it("numbers positions 1..N and never moves time backwards, within the 30 demo days", () => {
    expect(events.map((event) => event.globalPosition)).toEqual(Array.from({ length: EVENTS }, (_, index) => index + 1));
    const end = DEMO_START_MS + DEMO_SPAN_DAYS * 86_400_000;
    for (let index = 1; index < events.length; index++) {
      expect(events[index]!.occurredAtMs >= events[index - 1]!.occurredAtMs).toBe(true);
    }
    expect(events.every((event) => Number.isInteger(event.occurredAtMs))).toBe(true);
    expect(events[0]!.occurredAtMs >= DEMO_START_MS).toBe(true);
    expect(events.at(-1)!.occurredAtMs < end).toBe(true);
    expect(events.at(-1)!.occurredAtMs - events[0]!.occurredAtMs).toBeGreaterThan(29 * 86_400_000);
  });

  it("gives every session a Play first, an End last and only middle events between", () => {
    const sessions = new Map<string, EventRecord[]>();
    for (const event of events) sessions.set(event.streamId, [...(sessions.get(event.streamId) ?? []), event]);
    expect(sessions.size).toBeGreaterThan(1_000);
    for (const session of sessions.values()) {
      expect(session[0]!.eventType).toBe("Play");
      expect(session.at(-1)!.eventType).toBe("End");
      for (const event of session.slice(1, -1)) expect(["Pause", "Seek", "Rebuffer", "Error"]).toContain(event.eventType);
      expect(new Set(session.map((event) => `${event.attributes.cdn}/${event.attributes.device}`)).size).toBe(1);
    }
  });

  it("spreads sessions over the four CDNs and five devices", () => {
    expect(new Set(events.map((event) => event.attributes.cdn))).toEqual(new Set(["CDN1", "CDN2", "CDN3", "CDN4"]));
    expect(new Set(events.map((event) => event.attributes.device))).toEqual(new Set(["Android", "iOS", "Web", "SmartTV", "Roku"]));
  });

  it("writes Rebuffer durations as v1 seconds with at most 3 decimals, then as v2 whole milliseconds", () => {
    const rebuffers = events.filter((event) => event.eventType === "Rebuffer");
    const switchAt = Math.floor(EVENTS * REBUFFER_V2_FROM_SHARE) + 1;
    for (const event of rebuffers) {
      const payload = JSON.parse(event.payload) as Record<string, number>;
      if (event.globalPosition < switchAt) {
        expect(event.eventVersion).toBe(1);
        expect(Object.keys(payload)).toEqual(["durationSec"]);
        expect(Math.round(payload.durationSec! * 1000) / 1000).toBe(payload.durationSec);
        expect(/^\d+(\.\d{1,3})?$/.test(String(payload.durationSec))).toBe(true);
      } else {
        expect(event.eventVersion).toBe(2);
        expect(Number.isInteger(payload.durationMs)).toBe(true);
      }
    }
    expect(rebuffers.filter((event) => event.eventVersion === 1).length).toBeGreaterThan(100);
    expect(rebuffers.filter((event) => event.eventVersion === 2).length).toBeGreaterThan(100);
    expect(events.filter((event) => event.eventType !== "Rebuffer").every((event) => event.eventVersion === 1)).toBe(true);
  });

  it("has a country only from the half-way snapshot on, sometimes unknown", () => {
    const half = EVENTS / 2;
    expect(events.slice(0, half).every((event) => !("country" in event.attributes))).toBe(true);
    const later = events.slice(half);
    expect(later.every((event) => "country" in event.attributes)).toBe(true);
    expect(later.filter((event) => event.attributes.country === null).length).toBeGreaterThan(0);
    expect(new Set(later.map((event) => event.attributes.country)).size).toBeGreaterThan(5);
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
    expect([...demoEvents({ events: 2, seed: 1 })].map((event) => event.eventType)).toEqual(["Play", "End"]);
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
