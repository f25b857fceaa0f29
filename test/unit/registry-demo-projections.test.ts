import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rebufferByCdn, registry, sessionSummary } from "../../convex/projections.ts";
import { MemoryReadModelStorage, applyBatch, type AnyProjection, type EventRecord } from "../../src/registry/index.ts";

interface PlaybackEvent {
  type: "Play" | "Pause" | "Seek" | "Rebuffer" | "Error" | "End";
  version?: number;
  stream: string;
  at: string;
  cdn?: string;
  device?: string;
  payload?: unknown;
}

function toRecords(events: readonly PlaybackEvent[]): EventRecord[] {
  return events.map((event, index) => ({
    globalPosition: index + 1,
    eventId: `evt-${index + 1}`,
    eventType: event.type,
    eventVersion: event.version ?? 1,
    occurredAtMs: Date.parse(event.at),
    streamId: event.stream,
    attributes: {
      ...(event.cdn === undefined ? {} : { cdn: event.cdn }),
      ...(event.device === undefined ? {} : { device: event.device }),
      country: null,
    },
    payload: JSON.stringify(event.payload ?? {}),
  }));
}

/** Applies the events in batches of the given sizes (the last one repeating), committing each batch's writes. */
async function rebuild(projection: AnyProjection, records: readonly EventRecord[], batchSizes: readonly number[] = [1_000]) {
  const storage = new MemoryReadModelStorage<Record<string, unknown>>();
  for (let start = 0, batch = 0; start < records.length; batch++) {
    const size = batchSizes[Math.min(batch, batchSizes.length - 1)] as number;
    const result = await applyBatch(projection, records.slice(start, start + size), { storage, policy: "fail" });
    if (result.failure !== null) throw new Error(result.failure.reason);
    storage.applyWrites(result.writes);
    start += size;
  }
  return storage.documents();
}

const android = { cdn: "CDN1", device: "Android" } as const;
const ios = { cdn: "CDN2", device: "iOS" } as const;
const PLAYBACK: PlaybackEvent[] = [
  { type: "Play", stream: "s1", at: "2025-03-01T10:00:00.000Z", ...android, payload: { positionMs: 0 } },
  { type: "Rebuffer", version: 1, stream: "s1", at: "2025-03-01T10:00:05.000Z", ...android, payload: { durationSec: 1.5 } },
  { type: "Rebuffer", version: 2, stream: "s1", at: "2025-03-01T10:00:09.250Z", ...android, payload: { durationMs: 250 } },
  { type: "Seek", stream: "s1", at: "2025-03-01T10:01:00.000Z", ...android, payload: { fromMs: 60_000, toMs: 5_000 } },
  { type: "Rebuffer", version: 1, stream: "s2", at: "2025-03-01T11:00:02.000Z", ...ios, payload: { durationSec: 1.001 } },
  { type: "Error", stream: "s2", at: "2025-03-01T11:00:03.000Z", ...ios, payload: { code: 503, message: "gateway" } },
  { type: "Rebuffer", version: 2, stream: "s2", at: "2025-03-01T11:00:04.000Z", ...android, payload: { durationMs: 40 } },
  { type: "End", stream: "s1", at: "2025-03-01T10:20:00.000Z", ...android, payload: {} },
  // Arrives late but happened first in its session.
  { type: "Pause", stream: "s2", at: "2025-03-01T10:59:59.999Z", ...ios, payload: { positionMs: 1, extra: "kept" } },
  { type: "Rebuffer", version: 1, stream: "s3", at: "2025-03-02T00:00:00.000Z", ...ios, payload: { durationSec: 0 } },
];

describe("demo projections", () => {
  it("rebufferByCdn counts rebuffers and sums their milliseconds per CDN and device, mixing v1 and v2", async () => {
    expect(await rebuild(rebufferByCdn, toRecords(PLAYBACK))).toEqual([
      // 1.5 s + 250 ms + 40 ms
      { cdn: "CDN1", device: "Android", rebufferCount: 3, rebufferMs: 1_790 },
      // 1.001 s (1000.9999… ms before rounding) + 0 s
      { cdn: "CDN2", device: "iOS", rebufferCount: 2, rebufferMs: 1_001 },
    ]);
  });

  it("sessionSummary counts events per session and spans the earliest to the latest, in any arrival order", async () => {
    const expected = [
      {
        streamId: "s1",
        eventCount: 5,
        rebufferCount: 2,
        errorCount: 0,
        firstAt: "2025-03-01T10:00:00.000Z",
        lastAt: "2025-03-01T10:20:00.000Z",
      },
      {
        streamId: "s2",
        eventCount: 4,
        rebufferCount: 2,
        errorCount: 1,
        firstAt: "2025-03-01T10:59:59.999Z",
        lastAt: "2025-03-01T11:00:04.000Z",
      },
      {
        streamId: "s3",
        eventCount: 1,
        rebufferCount: 1,
        errorCount: 0,
        firstAt: "2025-03-02T00:00:00.000Z",
        lastAt: "2025-03-02T00:00:00.000Z",
      },
    ];
    expect(await rebuild(sessionSummary, toRecords(PLAYBACK))).toEqual(expected);
    expect(await rebuild(sessionSummary, toRecords([...PLAYBACK].reverse()), [3])).toEqual(expected);
  });

  it("rejects Rebuffer payloads that break their version's schema, and rebuffers with no CDN", async () => {
    const bad = toRecords([
      { type: "Rebuffer", version: 1, stream: "s", at: "2025-01-01T00:00:00.000Z", ...android, payload: { durationSec: 1.2345 } },
      { type: "Rebuffer", version: 2, stream: "s", at: "2025-01-01T00:00:01.000Z", ...android, payload: { durationMs: 1.5 } },
      { type: "Rebuffer", version: 2, stream: "s", at: "2025-01-01T00:00:02.000Z", device: "TV", payload: { durationMs: 3 } },
      { type: "Rebuffer", version: 3, stream: "s", at: "2025-01-01T00:00:03.000Z", ...android, payload: { durationMs: 3 } },
      { type: "Error", stream: "s", at: "2025-01-01T00:00:04.000Z", ...android, payload: ["not", "an", "object"] },
    ]);
    const byCdn = await applyBatch(rebufferByCdn, bad, { storage: new MemoryReadModelStorage(), policy: "dead-letter" });
    expect(byCdn.deadLetters.map(({ eventId, reason }) => [eventId, reason])).toEqual([
      ["evt-1", "payload.durationSec: Invalid number: must be a multiple of 0.001"],
      ["evt-2", "payload.durationMs: Invalid input: expected int, received number"],
      ["evt-3", "attribute cdn is missing, expected a string"],
      ["evt-4", "version 3 is newer than the latest known version of Rebuffer (v1–v2)"],
    ]);
    expect(byCdn.counters).toEqual({ found: 5, applied: 0, skipped: 1, invalid: 4, failed: 0, deadLettered: 4 });

    const sessions = await applyBatch(sessionSummary, bad, { storage: new MemoryReadModelStorage(), policy: "dead-letter" });
    // Sessions need no CDN, but every payload must still be valid.
    expect(sessions.counters).toEqual({ found: 5, applied: 1, skipped: 0, invalid: 4, failed: 0, deadLettered: 4 });
    expect(sessions.deadLetters.at(-1)?.reason).toBe("payload: Invalid input: expected object, received array");
  });

  it("registers both projections with light batches", () => {
    expect(registry.fingerprint).toBe("rebufferByCdn@1,sessionSummary@1");
    expect(registry.projections.map((projection) => projection.eventsPerMutation)).toEqual([1_000, 1_000]);
    expect(sessionSummary.eventTypes).toEqual(["Play", "Pause", "Seek", "Rebuffer", "Error", "End"]);
  });
});

// The reference folds below are written from the domain description, independently of the handlers.

function expectedRebufferByCdn(records: readonly EventRecord[]) {
  const stats = new Map<string, { cdn: string; device: string; rebufferCount: number; rebufferMs: number }>();
  for (const record of records) {
    if (record.eventType !== "Rebuffer") continue;
    const { cdn, device } = record.attributes as { cdn: string; device: string };
    const payload = JSON.parse(record.payload);
    const ms = record.eventVersion === 1 ? Math.round(payload.durationSec * 1000) : payload.durationMs;
    const entry = stats.get(`${cdn}/${device}`) ?? { cdn, device, rebufferCount: 0, rebufferMs: 0 };
    stats.set(`${cdn}/${device}`, { ...entry, rebufferCount: entry.rebufferCount + 1, rebufferMs: entry.rebufferMs + ms });
  }
  return [...stats.values()];
}

function expectedSessionSummary(records: readonly EventRecord[]) {
  const sessions = new Map<string, { streamId: string; eventCount: number; rebufferCount: number; errorCount: number; first: number; last: number }>();
  for (const { streamId, eventType, occurredAtMs } of records) {
    const session = sessions.get(streamId) ?? { streamId, eventCount: 0, rebufferCount: 0, errorCount: 0, first: Infinity, last: -Infinity };
    sessions.set(streamId, {
      streamId,
      eventCount: session.eventCount + 1,
      rebufferCount: session.rebufferCount + (eventType === "Rebuffer" ? 1 : 0),
      errorCount: session.errorCount + (eventType === "Error" ? 1 : 0),
      first: Math.min(session.first, occurredAtMs),
      last: Math.max(session.last, occurredAtMs),
    });
  }
  return [...sessions.values()].map(({ first, last, ...counts }) => ({
    ...counts,
    firstAt: new Date(first).toISOString(),
    lastAt: new Date(last).toISOString(),
  }));
}

function sortedBy<T>(rows: readonly T[], ...fields: (keyof T)[]): T[] {
  const sortKey = (row: T) => fields.map((field) => String(row[field])).join("\u0000");
  return [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

const EVENT_TYPES = ["Play", "Pause", "Seek", "Rebuffer", "Error", "End"] as const;
const playbackEvent: fc.Arbitrary<PlaybackEvent> = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    v1: fc.boolean(),
    durationMs: fc.integer({ min: 0, max: 120_000 }),
    stream: fc.constantFrom("s1", "s2", "s3", "s4", "s5"),
    atMs: fc.integer({ min: Date.UTC(2024, 11, 31, 22), max: Date.UTC(2025, 0, 2) }),
    cdn: fc.constantFrom("CDN1", "CDN2", "CDN3"),
    device: fc.constantFrom("Android", "iOS", "Web"),
  })
  .map(({ type, v1, durationMs, stream, atMs, cdn, device }) => ({
    type,
    stream,
    at: new Date(atMs).toISOString(),
    cdn,
    device,
    ...(type !== "Rebuffer"
      ? { payload: {} }
      : v1
        ? { version: 1, payload: { durationSec: durationMs / 1000 } }
        : { version: 2, payload: { durationMs } }),
  }));

describe("demo projections, property-based", () => {
  it("yield the reference read models whatever the batch sizes and the arrival order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(playbackEvent, { maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 120 }),
        async (events, batchSizes, arrivalKeys) => {
          const records = toRecords(events);
          const arrived = records
            .map((record, index) => ({ record, sortKey: arrivalKeys[index] ?? index }))
            .sort((a, b) => a.sortKey - b.sortKey)
            .map(({ record }) => record);

          const byCdn = sortedBy(expectedRebufferByCdn(records), "cdn", "device");
          expect(sortedBy(await rebuild(rebufferByCdn, records, batchSizes), "cdn", "device")).toEqual(byCdn);
          expect(sortedBy(await rebuild(rebufferByCdn, arrived, batchSizes), "cdn", "device")).toEqual(byCdn);

          const sessions = sortedBy(expectedSessionSummary(records), "streamId");
          expect(sortedBy(await rebuild(sessionSummary, records, batchSizes), "streamId")).toEqual(sessions);
          expect(sortedBy(await rebuild(sessionSummary, arrived, batchSizes), "streamId")).toEqual(sessions);
        },
      ),
      { numRuns: 150 },
    );
  });
});
