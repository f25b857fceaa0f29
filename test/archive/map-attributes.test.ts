import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { describe, expect, it } from "vitest";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { commitAppend, createEventArchive, writeEventDataFiles } from "../../src/archive/writer/index.ts";
import type { DataFile } from "../../src/archive/writer/parquet-data-file.ts";
import { defineEnvelope, type EventEnvelope, type EventRecord } from "../../src/registry/index.ts";
import { eventsFromBatch, replayColumns } from "../../src/replay/archive-events.ts";
import { eventMatchesFilter, filterPredicate, typedFilter, type ReplayFilter } from "../../src/replay/filter.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { runCli } from "../support/cli.ts";
import { archiveEventsOf, foldRebufferByCdn, foldSessionSummary } from "../support/demo-fold.ts";
import { duckDbJsonRows, map, optional, writeNestedTable } from "../support/nested-table.ts";

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2025, 2, 1);

const mapEnvelope = defineEnvelope({
  attributesColumn: { name: "attributes", type: "map" },
  attributes: { region: "string", tier: "string" },
});

const structEnvelope = defineEnvelope({
  attributesColumn: { name: "attrs", type: "struct" },
  attributes: { region: "string", priority: "number", express: "boolean" },
});

/** Live-shaped events over three days: an attribute an event does not have is left out, as appendEvents stores it. */
function events(count: number, attributesOf: (index: number) => EventRecord["attributes"]): EventRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    globalPosition: index + 1,
    eventId: `e${index + 1}`,
    eventType: index % 2 === 0 ? "Ordered" : "Shipped",
    eventVersion: 1,
    occurredAtMs: START_MS + Math.floor((index * 3) / count) * DAY_MS + index,
    streamId: `s${index % 7}`,
    attributes: attributesOf(index),
    payload: JSON.stringify({ index }),
  }));
}

const mapEvents = events(300, (index) => ({
  ...(index % 3 === 0 ? { region: "EU" } : index % 3 === 1 ? { region: "US" } : {}),
  ...(index % 4 === 0 ? { tier: "gold" } : {}),
}));

async function writeArchive(envelope: EventEnvelope, records: EventRecord[]) {
  const dir = join(mkdtempSync(join(tmpdir(), "reproject-map-attributes-")), "events");
  const store = new LocalObjectStore(dir);
  const table = await createEventArchive(store, envelope);
  const append = await writeEventDataFiles(store, table, envelope, records);
  const { table: committed } = await commitAppend(store, table, append);
  return { dir, table: committed, dataFiles: append.dataFiles };
}

function parquetFiles(dir: string): string[] {
  return readdirSync(join(dir, "data"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".parquet"))
    .map((name) => join(dir, "data", name));
}

/** The events a filtered scan of the archive yields, in position order, with its pruning stats. */
async function scanEvents(dir: string, envelope: EventEnvelope, filter: ReplayFilter) {
  const table = await ArchiveTable.open(dir);
  const plan = (await table.plan({
    columns: replayColumns(envelope),
    predicate: filterPredicate(filter, envelope),
    orderBy: envelope.columns.position,
  }))!;
  const scanned: EventRecord[] = [];
  let rowsFiltered = 0;
  for await (const batch of table.scan(plan)) {
    scanned.push(...eventsFromBatch(batch, envelope));
    rowsFiltered += batch.rowsFiltered;
  }
  return { events: scanned, stats: plan.stats, rowsFiltered };
}

/** The event as the archive gives it back: every declared attribute, null where the event has none. */
function asArchived(event: EventRecord, envelope: EventEnvelope): EventRecord {
  const attributes = Object.fromEntries(
    Object.keys(envelope.attributes).map((name) => [name, event.attributes[name] ?? null]),
  );
  return { ...event, attributes };
}

const byKey = (entries: Array<[string, unknown]>) => Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));

describe("attributes in a map<string, string> column", () => {
  it("the archive writer writes a map column with Iceberg ids on its key and value, as DuckDB and archive rows read it", async () => {
    const { dir, table, dataFiles } = await writeArchive(mapEnvelope, mapEvents);
    const attributes = table.metadata.schemas[0]!.fields.find((field) => field.name === "attributes")!;
    expect(attributes).toEqual({
      id: 7,
      name: "attributes",
      required: false,
      type: { type: "map", "key-id": 9, key: "string", "value-id": 10, value: "string", "value-required": false },
    });
    expect(table.metadata["last-column-id"]).toBe(10);

    const files = parquetFiles(dir);
    expect(files.length).toBe(3);
    const footer = parquetMetadata(new Uint8Array(readFileSync(files[0]!)).buffer);
    const ids = Object.fromEntries(footer.schema.slice(1).map((element) => [element.name, element.field_id]));
    expect(ids).toMatchObject({ attributes: 7, key: 9, value: 10 });

    // Counts per leaf (entries), no bounds: a bound over every key's values would prune nothing correctly.
    const file = dataFiles[0] as DataFile;
    const entries = mapEvents
      .filter((event) => event.occurredAtMs < START_MS + DAY_MS)
      .reduce((sum, event) => sum + Object.keys(event.attributes).length, 0);
    expect(file.valueCounts.get(9)).toBe(entries);
    expect(file.valueCounts.get(10)).toBe(entries);
    expect(file.valueCounts.has(7)).toBe(false);
    expect([7, 9, 10].some((id) => file.lowerBounds.has(id) || file.upperBounds.has(id))).toBe(false);
    expect(file.columnSizes.get(9)).toBeGreaterThan(0);

    const expected = mapEvents.map((event) => ({
      global_position: event.globalPosition,
      attributes: byKey(Object.entries(event.attributes)),
    }));
    const duckDb = (
      await Promise.all(
        files.map((path) =>
          duckDbJsonRows(path, "global_position", "{global_position: global_position, attributes: attributes}"),
        ),
      )
    ).flat();
    expect(duckDb.map((row) => ({ ...row, attributes: byKey(Object.entries(row.attributes as object)) }))).toEqual(
      expected,
    );

    const result = await runCli(["archive", "rows", dir, "--columns", "global_position,attributes"]);
    expect(result.stderr).toBe("");
    const rows = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { global_position: number; attributes: object });
    rows.sort((a, b) => a.global_position - b.global_position);
    expect(rows.map((row) => ({ ...row, attributes: byKey(Object.entries(row.attributes)) }))).toEqual(expected);
  });

  it("events read back with every declared attribute, null for a key the map lacks", async () => {
    const { dir } = await writeArchive(mapEnvelope, mapEvents);
    const { events: scanned } = await scanEvents(dir, mapEnvelope, {});
    expect(scanned).toEqual(mapEvents.map((event) => asArchived(event, mapEnvelope)));
  });

  it("a filter on a map key keeps exactly the events with that value, row by row, as it keeps live events", async () => {
    const { dir } = await writeArchive(mapEnvelope, mapEvents);
    const filter = { attributes: { region: ["EU"], tier: ["gold"] } };
    const { events: scanned, stats, rowsFiltered } = await scanEvents(dir, mapEnvelope, filter);
    const typed = typedFilter(filter, mapEnvelope);
    const live = mapEvents.filter((event) => eventMatchesFilter(event, typed));
    expect(live.length).toBe(25);
    expect(scanned).toEqual(live.map((event) => asArchived(event, mapEnvelope)));
    // No statistics per key: nothing is pruned, every other row is filtered.
    expect(stats).toMatchObject({ dataFilesSkipped: 0, rowGroupsSkipped: 0 });
    expect(rowsFiltered).toBe(mapEvents.length - live.length);
  });

  it("a key missing from the map matches no value, as a live event without the attribute", async () => {
    const { dir } = await writeArchive(mapEnvelope, mapEvents);
    const filter = { attributes: { region: ["EU", "US"] } };
    const { events: scanned } = await scanEvents(dir, mapEnvelope, filter);
    const typed = typedFilter(filter, mapEnvelope);
    expect(scanned.map((event) => event.globalPosition)).toEqual(
      mapEvents.filter((event) => eventMatchesFilter(event, typed)).map((event) => event.globalPosition),
    );
    expect(scanned.length).toBe(200);
    expect(scanned.every((event) => event.attributes.region !== null)).toBe(true);
  });
});

describe("attributes in a struct column", () => {
  // One region per day: each day's file has bounds that exclude the other region.
  const structEvents = events(300, (index) => ({
    ...(Math.floor((index * 3) / 300) === 1 ? { region: "US" } : { region: "EU" }),
    ...(index % 5 === 0 ? {} : { priority: index % 3 }),
    express: index % 2 === 0,
  }));

  it("is written as a struct with a typed field per attribute and read back with those types", async () => {
    const { dir, table, dataFiles } = await writeArchive(structEnvelope, structEvents);
    expect(table.metadata.schemas[0]!.fields.find((field) => field.name === "attrs")!.type).toEqual({
      type: "struct",
      fields: [
        { id: 9, name: "region", required: false, type: "string" },
        { id: 10, name: "priority", required: false, type: "double" },
        { id: 11, name: "express", required: false, type: "boolean" },
      ],
    });
    expect(dataFiles[0]!.lowerBounds.has(9)).toBe(true);
    const { events: scanned } = await scanEvents(dir, structEnvelope, {});
    expect(scanned).toEqual(structEvents.map((event) => asArchived(event, structEnvelope)));
    const duckDb = (
      await Promise.all(parquetFiles(dir).map((path) => duckDbJsonRows(path, "global_position", "attrs")))
    ).flat();
    expect(duckDb).toEqual(structEvents.map((event) => asArchived(event, structEnvelope).attributes));
  });

  it("a filter on a struct field prunes files by the field's bounds, then filters rows", async () => {
    const { dir } = await writeArchive(structEnvelope, structEvents);
    const filter = { attributes: { region: ["US"], priority: ["1"] } };
    const { events: scanned, stats } = await scanEvents(dir, structEnvelope, filter);
    const typed = typedFilter(filter, structEnvelope);
    const live = structEvents.filter((event) => eventMatchesFilter(event, typed));
    expect(live.length).toBeGreaterThan(10);
    expect(scanned).toEqual(live.map((event) => asArchived(event, structEnvelope)));
    expect(stats).toMatchObject({ dataFiles: 3, dataFilesSkipped: 2 });
  });

  it("an attribute declared later becomes a new field of the struct on the next append; older files read it as null", async () => {
    const before = defineEnvelope({
      attributesColumn: { name: "attrs", type: "struct" },
      attributes: { region: "string" },
    });
    const { dir, table } = await writeArchive(
      before,
      structEvents.slice(0, 100).map((event) => ({ ...event, attributes: { region: event.attributes.region! } })),
    );
    const store = new LocalObjectStore(dir);
    const append = await writeEventDataFiles(store, table, structEnvelope, structEvents.slice(100));
    const { table: evolved } = await commitAppend(store, table, append);
    expect(evolved.metadata.schemas.at(-1)!.fields.find((field) => field.name === "attrs")!.type).toMatchObject({
      fields: [
        { id: 9, name: "region" },
        { id: 10, name: "priority", type: "double" },
        { id: 11, name: "express", type: "boolean" },
      ],
    });
    const { events: scanned } = await scanEvents(dir, structEnvelope, { attributes: { express: ["true"] } });
    expect(scanned.map((event) => event.globalPosition)).toEqual(
      structEvents
        .filter((event) => event.globalPosition > 100 && event.attributes.express)
        .map((event) => event.globalPosition),
    );
  });
});

describe("the demo archive in the map layout (REPROJECT_DEMO_ATTRIBUTES_LAYOUT=map)", () => {
  const EVENTS = 3_000;
  const SEED = 3;
  const MAP_LAYOUT = { REPROJECT_DEMO_ATTRIBUTES_LAYOUT: "map" };
  const scratch = mkdtempSync(join(tmpdir(), "reproject-map-demo-"));
  const records = [...demoEvents({ events: EVENTS, seed: SEED })];
  const byCode = (a: unknown, b: unknown) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

  let archive: string | undefined;
  async function mapDemoArchive(): Promise<string> {
    if (archive) return archive;
    const dir = join(scratch, "events");
    const generated = await runCli(
      ["archive", "generate", dir, "--events", String(EVENTS), "--seed", String(SEED)],
      MAP_LAYOUT,
    );
    expect(generated.stderr).not.toMatch(/reproject archive/);
    expect(generated.code).toBe(0);
    return (archive = dir);
  }

  async function rebuildAndDump(args: string[]) {
    const file = join(scratch, `dump-${Math.random().toString(36).slice(2)}.json`);
    const result = await runCli(
      ["rebuild", ...args, "--archive", await mapDemoArchive(), "--dump", file, "--json"],
      MAP_LAYOUT,
    );
    expect(result.stderr).not.toMatch(/reproject rebuild:/);
    expect(result.code).toBe(0);
    return JSON.parse(readFileSync(file, "utf8")) as Array<Record<string, unknown>>;
  }

  it("keeps cdn, device and country as keys of one map column", async () => {
    const info = await runCli(["archive", "info", await mapDemoArchive()]);
    const fields = (JSON.parse(info.stdout) as { schema: { fields: Array<{ name: string; type: unknown }> } }).schema
      .fields;
    expect(fields.map((field) => field.name)).toEqual([
      "global_position",
      "event_id",
      "event_type",
      "event_version",
      "occurred_at",
      "stream_id",
      "attributes",
      "payload",
    ]);
    expect(fields[6]!.type).toMatchObject({ type: "map", key: "string", value: "string" });
  });

  it("rebuild --where cdn=CDN1 folds exactly the events whose map holds that cdn", async () => {
    const dump = await rebuildAndDump(["rebufferByCdn", "--where", "cdn=CDN1"]);
    const matching = archiveEventsOf(records).filter((event) => event.cdn === "CDN1");
    expect(matching.some((event) => event.type === "Rebuffer")).toBe(true);
    expect(dump).toEqual(
      foldRebufferByCdn(matching).sort((a, b) => byCode(a.cdn, b.cdn) || byCode(a.device, b.device)),
    );
  });

  it("rebuild --where country=US passes over the events written before country, whose maps lack the key", async () => {
    const dump = await rebuildAndDump(["sessionSummary", "--where", "country=US"]);
    const matching = records.filter((record) => record.attributes.country === "US");
    expect(records.slice(0, EVENTS / 2).some((record) => record.attributes.country !== undefined)).toBe(false);
    expect(dump).toEqual(foldSessionSummary(archiveEventsOf(matching)).sort((a, b) => byCode(a.streamId, b.streamId)));
  });

  it("the default envelope refuses the map-layout archive before reading an event, naming the missing columns", async () => {
    const result = await runCli(["rebuild", "rebufferByCdn", "--archive", await mapDemoArchive()], {
      REPROJECT_DEMO_ATTRIBUTES_LAYOUT: "columns",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/it has no column "cdn" for the string attribute "cdn"/);
  });

  it("rebuilds from an event table DuckDB wrote with a map attributes column: --where cdn=CDN1 folds exactly the rows whose map holds it", async () => {
    // Rows without the key (a map of device only) and with a null map match nothing.
    const select = `SELECT i::BIGINT AS global_position, 'e' || i AS event_id,
        CASE WHEN i % 2 = 0 THEN 'Rebuffer' ELSE 'Play' END AS event_type, 2::INT AS event_version,
        TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i) AS occurred_at, 's' || (i % 5) AS stream_id,
        CASE WHEN i % 7 = 6 THEN NULL
             WHEN i % 3 = 0 THEN MAP {'cdn': 'CDN1', 'device': 'Android'}
             WHEN i % 3 = 1 THEN MAP {'cdn': 'CDN2', 'device': 'Web'}
             ELSE MAP {'device': 'iOS'} END AS attributes,
        '{"durationMs": ' || (i * 10) || '}' AS payload
      FROM range(1, 601) t(i)`;
    const fieldIds = `{global_position: 1, event_id: 2, event_type: 3, event_version: 4, occurred_at: 5, stream_id: 6,
      attributes: {__duckdb_field_id: 7, key: 9, value: 10}, payload: 8}`;
    const { table, dataFiles } = await writeNestedTable(
      [
        optional(1, "global_position", "long"),
        optional(2, "event_id", "string"),
        optional(3, "event_type", "string"),
        optional(4, "event_version", "int"),
        optional(5, "occurred_at", "timestamptz"),
        optional(6, "stream_id", "string"),
        optional(7, "attributes", map(9, "string", 10, "string")),
        optional(8, "payload", "string"),
      ],
      [{ select, fieldIds }],
    );
    const rows = await runCli(["archive", "rows", table, "--columns", "global_position,attributes"]);
    expect(
      rows.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(
      await duckDbJsonRows(
        dataFiles[0]!,
        "global_position",
        "{global_position: global_position, attributes: attributes}",
      ),
    );

    const file = join(scratch, "duckdb-dump.json");
    const result = await runCli(
      ["rebuild", "rebufferByCdn", "--archive", table, "--where", "cdn=CDN1", "--dump", file, "--json"],
      MAP_LAYOUT,
    );
    expect(result.stderr).not.toMatch(/reproject rebuild:/);
    expect(result.code).toBe(0);
    const matching = Array.from({ length: 600 }, (_, index) => index + 1).filter(
      (i) => i % 2 === 0 && i % 7 !== 6 && i % 3 === 0,
    );
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([
      {
        cdn: "CDN1",
        device: "Android",
        rebufferCount: matching.length,
        rebufferMs: matching.reduce((sum, i) => sum + i * 10, 0),
      },
    ]);
  });
});
