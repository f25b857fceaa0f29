// Rows an unfiltered chunk passes over before they become events: a skipped type by its position's
// lane, and, in lanes keyed by stream, another lane's event by its stream. The runs the lanes build
// from the triaged rows count every row exactly once, as the whole events would.
import { describe, expect, it } from "vitest";
import type { RowBatch } from "../../src/archive/scan.ts";
import { eventsFromBatch, type PassedRow } from "../../src/replay/archive-events.ts";
import { addEvent, emptyRun, passBy, passOver, roleOf, rowsOf, type EventRun } from "../../src/replay/event-run.ts";
import { ownsEvent, ownsPosition, type LaneRef } from "../../src/replay/lanes.ts";
import { unfilteredRowTriage } from "../../src/replay/row-triage.ts";
import { checkedLanes } from "../../src/registry/lane-key.ts";
import { defineEnvelope } from "../../src/registry/envelope.ts";
import type { EventRecord } from "../../src/registry/index.ts";

const envelope = defineEnvelope({ attributes: { cdn: "string" } });
const consumed = new Set(["Play", "Rebuffer"]);
const TYPES = ["Play", "Rebuffer", "Seek"];
const ROWS = 600;

function batchOf(streamIds: unknown[]): RowBatch {
  const rows = streamIds.length;
  return {
    rowCount: rows,
    rowsRead: rows,
    rowsDeleted: 0,
    rowsFiltered: 0,
    rowsBeforeCursor: 0,
    columns: {
      global_position: BigInt64Array.from({ length: rows }, (_, row) => BigInt(row + 1)),
      event_id: Array.from({ length: rows }, (_, row) => `e${row + 1}`),
      event_type: Array.from({ length: rows }, (_, row) => TYPES[row % TYPES.length]!),
      event_version: Int32Array.from({ length: rows }, () => 1),
      occurred_at: BigInt64Array.from({ length: rows }, (_, row) => 1_736_000_000_000_000n + BigInt(row) * 1000n),
      stream_id: streamIds as string[],
      payload: Array.from({ length: rows }, () => "{}"),
      cdn: Array.from({ length: rows }, () => "CDN1"),
    },
  };
}

const batch = batchOf(Array.from({ length: ROWS }, (_, row) => `session-${row % 41}`));
const byStream = checkedLanes("sessions", { key: "stream" })!;

/** A lane's run from whole events, as a chunk builds it when every row becomes an event. */
function runFromEvents(lane: LaneRef): EventRun {
  const run = emptyRun();
  for (const event of eventsFromBatch(batch, envelope)) {
    const role = roleOf(event, undefined, consumed);
    if (role !== "event") {
      if (ownsPosition(lane, event.globalPosition)) passOver(run, role, event.globalPosition);
      else passBy(run, event.globalPosition);
    } else if (ownsEvent(byStream, lane, event)) addEvent(run, event);
    else passBy(run, event.globalPosition);
  }
  return run;
}

/** A lane's run from triaged rows: the chunk's way. */
function runFromTriage(rows: Array<EventRecord | PassedRow>, lane: LaneRef): EventRun {
  const run = emptyRun();
  for (const row of rows) {
    if (!("passed" in row)) {
      expect(ownsEvent(byStream, lane, row)).toBe(true);
      addEvent(run, row);
    } else if (row.passed === "skipped") passOver(run, "skipped", row.globalPosition);
    else passBy(run, row.globalPosition);
  }
  return run;
}

describe("rows triaged before they become events", () => {
  it("in a lane keyed by stream, only the lane's own events of consumed types become events", () => {
    const lane = { index: 1, count: 4 };
    const rows = eventsFromBatch(batch, envelope, unfilteredRowTriage(consumed, byStream, lane));
    const events = rows.filter((row): row is EventRecord => !("passed" in row));
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(ROWS / 3);
    for (const event of events) {
      expect(consumed.has(event.eventType)).toBe(true);
      expect(ownsEvent(byStream, lane, event)).toBe(true);
    }
    // Every other row of a consumed type is another lane's, never a skipped one.
    const whole = eventsFromBatch(batch, envelope);
    rows.forEach((row, index) => {
      if ("passed" in row && consumed.has(whole[index]!.eventType)) expect(row.passed).toBe("elsewhere");
    });
  });

  it("lets the lanes count every row exactly once, with the runs whole events would give", () => {
    const count = 4;
    let events = 0;
    let skipped = 0;
    for (let index = 0; index < count; index++) {
      const lane = { index, count };
      const run = runFromTriage(eventsFromBatch(batch, envelope, unfilteredRowTriage(consumed, byStream, lane)), lane);
      expect(run).toEqual(runFromEvents(lane));
      events += run.events.length;
      skipped += run.skipped;
    }
    expect(events + skipped).toBe(ROWS);
    expect(skipped).toBe(ROWS / 3);
    expect(events).toBe(rowsOf(runFromEvents({ index: 0, count: 1 })) - ROWS / 3);
  });

  it("makes an event of a row whose stream is empty, so that its lane key is refused with the event named", () => {
    const lane = { index: 0, count: 4 };
    const rows = eventsFromBatch(batchOf(["", "", ""]), envelope, unfilteredRowTriage(consumed, byStream, lane));
    expect(rows[0]).toMatchObject({ eventType: "Play", streamId: "" });
    expect(rows[1]).toMatchObject({ eventType: "Rebuffer", streamId: "" });
    // A skipped type is its position's lane's, whatever its stream.
    expect(rows[2]).toEqual({ passed: "elsewhere", globalPosition: 3 });
  });

  it("with a key function or no lanes, passes over skipped types only", () => {
    const byFunction = checkedLanes("sessions", { key: (event) => event.streamId })!;
    for (const triage of [
      unfilteredRowTriage(consumed, byFunction, { index: 1, count: 4 }),
      unfilteredRowTriage(consumed, undefined, undefined),
    ]) {
      const rows = eventsFromBatch(batch, envelope, triage);
      rows.forEach((row, index) => {
        if (TYPES[index % TYPES.length] === "Seek") expect("passed" in row).toBe(true);
        else expect("passed" in row).toBe(false);
      });
    }
  });
});
