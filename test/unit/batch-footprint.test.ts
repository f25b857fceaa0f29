import * as z from "zod";
import { describe, expect, it } from "vitest";
import { rebufferByCdn, sessionSummary, playbackEvents } from "../../convex/projections.ts";
import { defineProjection, type EventRecord } from "../../src/registry/index.ts";
import {
  ARGUMENT_BYTES_LIMIT,
  BatchFootprint,
  CONVEX_TRANSACTION_LIMITS,
  eventArgumentBytes,
  type TransactionUsage,
} from "../../src/replay/batch-footprint.ts";
import { LIMIT_SHARE } from "../../src/replay/transaction-budget.ts";

let position = 0;
const event = (fields: Partial<EventRecord> = {}): EventRecord => ({
  globalPosition: ++position,
  eventId: `e${position}`,
  eventType: "Rebuffer",
  eventVersion: 2,
  occurredAtMs: 1_736_000_000_000,
  streamId: `s${position}`,
  attributes: { cdn: "CDN1", device: "Android" },
  payload: '{"durationMs":1200}',
  ...fields,
});

/** Admits events until one does not fit; answers how many did. */
function fill(footprint: BatchFootprint, next: () => EventRecord, max = 100_000): number {
  let admitted = 0;
  while (admitted < max && footprint.admit(next())) admitted++;
  return admitted;
}

function usage(
  used: Partial<Record<keyof TransactionUsage, number>>,
  limits = CONVEX_TRANSACTION_LIMITS,
): TransactionUsage {
  const of = (metric: keyof TransactionUsage) => ({ used: used[metric] ?? 0, limit: limits[metric] });
  return {
    indexRanges: of("indexRanges"),
    bytesRead: of("bytesRead"),
    bytesWritten: of("bytesWritten"),
    documentsWritten: of("documentsWritten"),
    functionsScheduled: of("functionsScheduled"),
  };
}

describe("batch footprints", () => {
  it("count the distinct keys the events prefetch, not the events: a thousand rebuffers on one CDN and device are one key", () => {
    const footprint = new BatchFootprint(rebufferByCdn);
    expect(fill(footprint, () => event(), 1_000)).toBe(1_000);
    expect(footprint.units).toBe(1);
  });

  it("cut a batch before its keys pass half of Convex's 4,096 index ranges", () => {
    const footprint = new BatchFootprint(sessionSummary);
    expect(fill(footprint, () => event())).toBe(CONVEX_TRANSACTION_LIMITS.indexRanges * LIMIT_SHARE);
    footprint.clear();
    expect(footprint.units).toBe(0);
    expect(footprint.admit(event())).toBe(true);
  });

  it("learn what a key costs from a committed batch, and the limits the transaction reports", () => {
    const footprint = new BatchFootprint(sessionSummary);
    // 100 keys read 100 KiB and wrote 200 KiB: 2 KiB written per key, of a 1 MiB limit.
    footprint.learn(
      usage(
        { indexRanges: 102, bytesRead: 100 * 1024, bytesWritten: 200 * 1024, documentsWritten: 100 },
        { ...CONVEX_TRANSACTION_LIMITS, bytesWritten: 1024 * 1024 },
      ),
      100,
    );
    expect(fill(footprint, () => event())).toBe(Math.floor((1024 * 1024 * LIMIT_SHARE) / (2 * 1024)));
  });

  it("learn how many functions a key's events schedule (effects): a batch schedules at most half of the 1,000 allowed", () => {
    const footprint = new BatchFootprint(sessionSummary);
    footprint.learn(usage({ indexRanges: 10, functionsScheduled: 20 }), 10);
    expect(fill(footprint, () => event())).toBe((CONVEX_TRANSACTION_LIMITS.functionsScheduled * LIMIT_SHARE) / 2);
  });

  it("cut a batch at half the 16 MiB of arguments, by the bytes its events weigh", () => {
    const footprint = new BatchFootprint(rebufferByCdn);
    const big = () => event({ payload: `{"durationMs":1200,"note":"${"n".repeat(100_000)}"}` });
    const admitted = fill(footprint, big);
    expect(admitted).toBe(Math.floor((ARGUMENT_BYTES_LIMIT * LIMIT_SHARE) / eventArgumentBytes(big())));
    expect(footprint.units).toBe(1);
  });

  it("weigh text as UTF-8: a payload of two-byte characters weighs twice its length", () => {
    const ascii = eventArgumentBytes(event({ payload: `"${"a".repeat(1_000)}"` }));
    expect(eventArgumentBytes(event({ payload: `"${"é".repeat(1_000)}"` })) - ascii).toBe(1_000);
  });

  it("count each event of a handler without prefetch as a unit, and an event a batch will reject as none", () => {
    const plain = defineProjection({
      name: "plain",
      version: 1,
      complexity: "light",
      readModel: { document: z.object({ id: z.string() }), key: ["id"], initial: ({ id }) => ({ id }) },
      events: { Play: { event: playbackEvents.Play, handle: async () => {} } },
    });
    const footprint = new BatchFootprint(plain);
    expect(fill(footprint, () => event({ eventType: "Play", payload: "{}" }), 10)).toBe(10);
    expect(footprint.units).toBe(10);
    const rebuffers = new BatchFootprint(rebufferByCdn);
    rebuffers.admit(event({ attributes: { cdn: null, device: "Android" } }));
    expect(rebuffers.units).toBe(0);
  });

  it("decode a payload only when prefetch reads it, and count the keys of split batches the same way", () => {
    const footprint = new BatchFootprint(sessionSummary);
    const unreadable = event({ payload: "{not json" });
    expect(footprint.admit(unreadable)).toBe(true);
    expect(footprint.units).toBe(1);
    expect(footprint.unitsOf([unreadable, event({ streamId: unreadable.streamId }), event()])).toBe(2);
  });
});
