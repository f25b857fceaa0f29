import { describe, expect, it } from "vitest";
import type { RowBatch } from "../../src/archive/scan.ts";
import { eventsFromBatch } from "../../src/replay/archive-events.ts";
import { addToRun, emptyRun, passOver } from "../../src/replay/event-run.ts";
import { unfilteredRowTriage } from "../../src/replay/row-triage.ts";
import { defineEnvelope } from "../../src/registry/envelope.ts";

const envelope = defineEnvelope({ attributes: { cdn: "string" } });

const batch: RowBatch = {
  rowCount: 3,
  rowsRead: 3,
  rowsDeleted: 0,
  rowsFiltered: 0,
  rowsBeforeCursor: 0,
  columns: {
    global_position: BigInt64Array.from([11n, 12n, 13n]),
    event_id: ["a", "b", "c"],
    event_type: ["Play", "Rebuffer", "Seek"],
    event_version: Int32Array.from([1, 2, 1]),
    occurred_at: BigInt64Array.from([1_736_000_000_123_456n, 1_736_000_001_000_999n, 1_736_000_002_000_000n]),
    stream_id: ["s1", "s1", "s2"],
    payload: ["{}", '{"durationMs":1200}', '{"toMs":5}'],
    cdn: ["CDN1", null, "CDN2"],
  },
};

describe("archive rows as events", () => {
  it("maps every core column and every declared attribute", () => {
    expect(eventsFromBatch(batch, envelope)[1]).toEqual({
      globalPosition: 12,
      eventId: "b",
      eventType: "Rebuffer",
      eventVersion: 2,
      occurredAtMs: 1_736_000_001_000,
      streamId: "s1",
      attributes: { cdn: null },
      payload: '{"durationMs":1200}',
    });
  });

  it("gives rows of a skipped type as positions only, and a run built from them equals one built from whole events", () => {
    const consumed = new Set(["Rebuffer"]);
    const rows = eventsFromBatch(batch, envelope, unfilteredRowTriage(consumed, undefined, undefined));
    expect(rows.map((row) => ("passed" in row ? row.globalPosition : row.eventType))).toEqual([11, "Rebuffer", 13]);
    const fast = emptyRun();
    for (const row of rows) {
      if ("passed" in row) passOver(fast, row.passed as "skipped", row.globalPosition);
      else addToRun(fast, row, undefined, consumed);
    }
    const whole = emptyRun();
    for (const event of eventsFromBatch(batch, envelope)) addToRun(whole, event, undefined, consumed);
    expect(fast).toEqual(whole);
    expect(fast).toMatchObject({ skipped: 2, skippedBefore: [1], lastPosition: 13 });
  });

  it("reads the columns the envelope names, and only the declared attributes", () => {
    const renamed: RowBatch = {
      ...batch,
      columns: {
        seq: batch.columns.global_position!,
        uid: batch.columns.event_id!,
        kind: batch.columns.event_type!,
        schema_version: batch.columns.event_version!,
        at: batch.columns.occurred_at!,
        aggregate: batch.columns.stream_id!,
        body: batch.columns.payload!,
        edge: batch.columns.cdn!,
        undeclared: ["x", "y", "z"],
      },
    };
    const custom = defineEnvelope({
      columns: {
        position: "seq",
        id: "uid",
        type: "kind",
        version: "schema_version",
        occurredAt: "at",
        stream: "aggregate",
        payload: "body",
      },
      attributes: { provider: { column: "edge", type: "string" } },
    });
    expect(eventsFromBatch(renamed, custom)[0]).toEqual({
      globalPosition: 11,
      eventId: "a",
      eventType: "Play",
      eventVersion: 1,
      occurredAtMs: 1_736_000_000_123,
      streamId: "s1",
      attributes: { provider: "CDN1" },
      payload: "{}",
    });
  });

  it("names the missing column when a batch lacks one the envelope declares", () => {
    const { cdn: _dropped, ...withoutCdn } = batch.columns;
    expect(() => eventsFromBatch({ ...batch, columns: withoutCdn }, envelope)).toThrow(/cdn/);
  });
});
