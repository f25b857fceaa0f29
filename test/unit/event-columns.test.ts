import { describe, expect, it } from "vitest";
import { eventColumns, eventsOfColumns } from "../../src/replay/event-columns.ts";
import type { EventRecord } from "../../src/registry/index.ts";

const event = (position: number, attributes: Record<string, string | null>): EventRecord => ({
  globalPosition: position,
  eventId: `e${position}`,
  eventType: position % 2 ? "Rebuffer" : "Play",
  eventVersion: 1 + (position % 2),
  occurredAtMs: Date.UTC(2025, 0, 1) + position,
  streamId: `s${position % 3}`,
  attributes,
  payload: JSON.stringify({ n: position }),
});

describe("event batches as columns", () => {
  it("round-trips every field of every event, in order", () => {
    const events = [1, 2, 3, 4].map((position) => event(position, { cdn: `CDN${position}`, device: position === 2 ? null : "Android" }));
    const columns = eventColumns(events);
    expect(columns.globalPositions).toEqual([1, 2, 3, 4]);
    expect(columns.attributes).toEqual({ cdn: ["CDN1", "CDN2", "CDN3", "CDN4"], device: ["Android", null, "Android", "Android"] });
    expect(eventsOfColumns(columns)).toEqual(events);
  });

  it("gives an attribute some events lack as null for them, as the archive stores it", () => {
    const columns = eventColumns([event(1, { cdn: "CDN1" }), event(2, {}), event(3, { country: "FR" })]);
    expect(columns.attributes).toEqual({ cdn: ["CDN1", null, null], country: [null, null, "FR"] });
    expect(eventsOfColumns(columns).map((e) => e.attributes)).toEqual([
      { cdn: "CDN1", country: null },
      { cdn: null, country: null },
      { cdn: null, country: "FR" },
    ]);
  });

  it("an empty batch is empty columns", () => {
    expect(eventsOfColumns(eventColumns([]))).toEqual([]);
  });

  it("refuses columns of different lengths, naming the short one", () => {
    const columns = eventColumns([event(1, { cdn: "CDN1" }), event(2, { cdn: "CDN2" })]);
    expect(() => eventsOfColumns({ ...columns, payloads: ["{}"] })).toThrow("2 positions but 1 values in payloads");
    expect(() => eventsOfColumns({ ...columns, attributes: { cdn: ["CDN1"] } })).toThrow("values in attributes.cdn");
  });
});
