// The demo app with its attributes in a map column (REPROJECT_DEMO_ATTRIBUTES_LAYOUT=map): a
// filtered rebuild over an archive laid out that way and a live tail, where a key the archived map
// lacks and an attribute a live event lacks both match nothing.
import { afterAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  // Read by convex/envelope.ts when it is first imported, below.
  process.env.REPROJECT_DEMO_ATTRIBUTES_LAYOUT = "map";
});

import { api, internal } from "../../convex/_generated/api";
import { envelope } from "../../convex/envelope";
import { ArchiveTable } from "../../src/archive/table";
import type { EventRecord } from "../../src/registry";
import { createConvexTest, runUntil } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

afterAll(() => {
  delete process.env.REPROJECT_DEMO_ATTRIBUTES_LAYOUT;
  delete process.env.REPROJECT_ARCHIVE_RETENTION_MS;
});

const ADMIN = { subject: "ops-1", role: "admin" };
const TOTAL = 4_000;
const ARCHIVED = 3_000;
const history = useSplitDemoHistory(TOTAL, ARCHIVED, 43);

/** Every third live event is appended without its country, as an app that could not locate the session would. */
function withoutCountry<Event extends { attributes?: Record<string, unknown> }>(event: Event): Event {
  const { country: _country, ...attributes } = event.attributes ?? {};
  return { ...event, attributes };
}
const stripped = (index: number) => index % 3 === 0;

describe("attributes in a map column", () => {
  it("the demo archive holds the attributes as keys of its attributes map, country only from half-way", async () => {
    expect(envelope.attributesColumn).toEqual({ name: "attributes", type: "map" });
    const table = await ArchiveTable.open(history.archive);
    expect(table.schema.fields.map((field) => field.name)).toContain("attributes");
    expect(table.schema.fields.map((field) => field.name)).not.toContain("country");
  });

  it("a rebuild filtered on country=US folds exactly the archived and live events with that country, before and after the archiver moves the live ones", async () => {
    process.env.REPROJECT_ARCHIVE_RETENTION_MS = "0";
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    const live = history.live.map((event, index) => (stripped(index) ? withoutCountry(event) : event));
    for (let start = 0; start < live.length; start += 250) {
      await t.mutation(internal.reproject.append, { events: live.slice(start, start + 250) });
    }
    const rebuildUs = async (target: string) => {
      const answer = (await admin.mutation(api.rebuilds.trigger, {
        projection: "sessionSummary",
        options: { filter: { attributes: { country: ["US"] } }, target },
      })) as { status: string; rebuildId: string };
      expect(answer.status).toBe("started");
      await runUntil(
        t,
        async () => (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!.state !== "running",
      );
      const status = (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
      expect(status).toMatchObject({ state: "completed", target });
      const model = (await generationDocuments(t, "sessionSummary", status.generation)) as Array<{ streamId: string }>;
      return { status, model: model.sort((a, b) => a.streamId.localeCompare(b.streamId)) };
    };

    const all: EventRecord[] = history.all.map((record, index) =>
      index >= ARCHIVED && stripped(index - ARCHIVED) ? withoutCountry(record) : record,
    );
    const matching = all.filter((record) => record.attributes.country === "US");
    // Matching events come from both sides of the handover, and both sides hold events without a country.
    expect(matching.some((record) => record.globalPosition <= ARCHIVED)).toBe(true);
    expect(matching.some((record) => record.globalPosition > ARCHIVED)).toBe(true);
    expect(all.slice(0, ARCHIVED).some((record) => !("country" in record.attributes))).toBe(true);
    expect(all.slice(ARCHIVED).some((record) => !("country" in record.attributes))).toBe(true);
    const expected = foldSessionSummary(archiveEventsOf(matching));

    const before = await rebuildUs("us");
    expect(before.status.counters.found - before.status.counters.filtered).toBe(matching.length);
    expect(before.model).toEqual(expected);

    // The archiver writes the live events' attributes as keys of the map: a live event without a country has no such key.
    vi.advanceTimersByTime(1_000);
    const summary = await t.action(internal.reprojectNode.archive, { nowMs: Date.now() });
    expect(summary).toMatchObject({ archived: TOTAL - ARCHIVED, archivedThrough: TOTAL });
    const table = await ArchiveTable.open(history.archive);
    const plan = (await table.plan({ columns: ["global_position", "attributes"], orderBy: "global_position" }))!;
    const countries = new Map<number, string | undefined>();
    for await (const batch of table.scan(plan)) {
      for (let row = 0; row < batch.rowCount; row++) {
        const map = batch.columns.attributes![row] as Map<string, string>;
        countries.set(Number(batch.columns.global_position![row]), map.get("country"));
      }
    }
    expect([...countries.keys()]).toEqual(all.map((record) => record.globalPosition));
    expect(
      all.every((record) => countries.get(record.globalPosition) === (record.attributes.country ?? undefined)),
    ).toBe(true);

    const after = await rebuildUs("us-after-archiving");
    expect(after.model).toEqual(expected);
  });
});
