import { describe, expect, it } from "vitest";
import type { NestedField } from "../../src/archive/schema.ts";
import { runCli } from "../support/cli.ts";
import { duckDbJsonRows, list, map, optional, struct, writeNestedTable } from "../support/nested-table.ts";

const jsonLines = (text: string) => text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);

async function archiveRows(table: string): Promise<Array<Record<string, unknown>>> {
  const result = await runCli(["archive", "rows", table]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return jsonLines(result.stdout).sort(byId);
}

// id, info struct<name, score>, items list<struct<x int, y string>>, tags map<string, list<int>>.
const FIELDS: NestedField[] = [
  optional(1, "id", "long"),
  optional(2, "info", struct(optional(3, "name", "string"), optional(4, "score", "double"))),
  optional(5, "items", list(6, struct(optional(7, "x", "int"), optional(8, "y", "string")))),
  optional(9, "tags", map(10, "string", 11, list(12, "int"))),
];

const SELECT = `SELECT i AS id,
    CASE WHEN i % 4 = 3 THEN NULL ELSE {'name': 'n' || i, 'score': i * 1.5} END::STRUCT(name VARCHAR, score DOUBLE) AS info,
    CASE WHEN i % 5 = 4 THEN NULL ELSE [{'x': i::INT, 'y': 'a'}, {'x': NULL, 'y': NULL}] END::STRUCT(x INT, y VARCHAR)[] AS items,
    CASE WHEN i % 6 = 5 THEN NULL ELSE MAP {'k' || i: [i::INT, NULL], 'empty': []::INT[], 'none': NULL::INT[], '__proto__': [7], '10': [10]} END AS tags
  FROM range(40) t(i)`;
const FIELD_IDS = `{id: 1, info: {__duckdb_field_id: 2, name: 3, score: 4},
  items: {__duckdb_field_id: 5, element: {__duckdb_field_id: 6, x: 7, y: 8}},
  tags: {__duckdb_field_id: 9, key: 10, value: {__duckdb_field_id: 11, element: 12}}}`;

describe("nested columns", () => {
  it("archive rows prints struct, list<struct> and map<string, list<int>> columns as DuckDB's read_parquet reads them", async () => {
    const { table, dataFiles } = await writeNestedTable(FIELDS, [{ select: SELECT, fieldIds: FIELD_IDS }]);
    const rows = await archiveRows(table);
    expect(rows).toHaveLength(40);
    expect(rows).toEqual(await duckDbJsonRows(dataFiles[0]!, "id"));
    expect(rows[1]).toEqual({
      id: 1,
      info: { name: "n1", score: 1.5 },
      items: [{ x: 1, y: "a" }, { x: null, y: null }],
      tags: JSON.parse('{"k1": [1, null], "empty": [], "none": null, "__proto__": [7], "10": [10]}'),
    });
    // "__proto__" is one of the keys (an object assembled by key assignment loses it).
    expect(Object.keys(rows[1]!.tags as object).sort()).toEqual(["10", "__proto__", "empty", "k1", "none"]);
  });

  it("matches nested fields by field id: a renamed struct field reads under its new name", async () => {
    const renamed = structuredClone(FIELDS);
    const info = renamed[1]!.type as { fields: NestedField[] };
    info.fields[1]!.name = "points";
    const { table, dataFiles } = await writeNestedTable(renamed, [{ select: SELECT, fieldIds: FIELD_IDS }]);
    const expected = (await duckDbJsonRows(dataFiles[0]!, "id")).map((row) => {
      const struct = row.info as { name: string; score: number } | null;
      return { ...row, info: struct && { name: struct.name, points: struct.score } };
    });
    expect(await archiveRows(table)).toEqual(expected);
  });

  it("fills a nested field (and a struct column) added after a file was written with its initial-default, else null", async () => {
    const evolved = structuredClone(FIELDS);
    const info = evolved[1]!.type as { fields: NestedField[] };
    info.fields.push(
      optional(13, "rank", "int", { "initial-default": 7 }),
      optional(14, "since", "date", { "initial-default": "2024-02-29" }),
      optional(15, "note", "string"),
    );
    // A whole struct column added later: its default is an object keyed by field id (spec Appendix C).
    evolved.push(optional(16, "extra", struct(optional(17, "n", "int")), { "initial-default": { "17": 5 } }));
    const later = `SELECT i AS id, {'name': 'n' || i, 'score': 0.5::DOUBLE, 'rank': i::INT, 'since': DATE '2025-01-01' + i::INT, 'note': 'new'} AS info,
      NULL::STRUCT(x INT, y VARCHAR)[] AS items, NULL::MAP(VARCHAR, INT[]) AS tags FROM range(100, 103) t(i)`;
    const laterIds = `{id: 1, info: {__duckdb_field_id: 2, name: 3, score: 4, rank: 13, since: 14, note: 15},
      items: {__duckdb_field_id: 5, element: {__duckdb_field_id: 6, x: 7, y: 8}},
      tags: {__duckdb_field_id: 9, key: 10, value: {__duckdb_field_id: 11, element: 12}}}`;
    const { table, dataFiles } = await writeNestedTable(evolved, [
      { select: SELECT, fieldIds: FIELD_IDS },
      { select: later, fieldIds: laterIds },
    ]);
    const old = (await duckDbJsonRows(dataFiles[0]!, "id")).map((row) => ({
      ...row,
      info: row.info && { ...(row.info as object), rank: 7, since: "2024-02-29", note: null },
      extra: { n: 5 },
    }));
    const newer = (await duckDbJsonRows(dataFiles[1]!, "id")).map((row) => ({ ...row, extra: { n: 5 } }));
    const rows = await archiveRows(table);
    expect(rows).toEqual([...old, ...newer]);
    expect(rows.at(-1)!.info).toEqual({ name: "n102", score: 0.5, rank: 102, since: "2025-04-13", note: "new" });
  });

  it("reads maps with int and binary keys, lists of lists and structs in structs, their values encoded as at top level", async () => {
    const fields: NestedField[] = [
      optional(1, "id", "long"),
      optional(2, "m", map(3, "int", 4, "string")),
      optional(14, "bm", map(15, "binary", 16, "int")),
      optional(5, "ll", list(6, list(7, "long"))),
      optional(8, "s", struct(optional(9, "sub", struct(optional(10, "d", "decimal(9, 2)"), optional(11, "dt", "date"), optional(12, "ts", "timestamp"), optional(13, "b", "binary"))))),
    ];
    const select = `SELECT i AS id, MAP {i::INT: 'v' || i, (i + 10)::INT: NULL} AS m, MAP {unhex('00FF'): i::INT} AS bm,
        [[i, i * 9007199254740993], [], NULL]::BIGINT[][] AS ll,
        {'sub': CASE WHEN i = 2 THEN NULL ELSE {'d': (i - 1.25)::DECIMAL(9, 2), 'dt': DATE '2024-02-28' + i::INT,
          'ts': TIMESTAMP '2024-01-02 03:04:05.5' + INTERVAL (i) SECOND, 'b': unhex('0' || i || 'FF')} END} AS s
      FROM range(4) t(i)`;
    const fieldIds = `{id: 1, m: {__duckdb_field_id: 2, key: 3, value: 4}, bm: {__duckdb_field_id: 14, key: 15, value: 16}, ll: {__duckdb_field_id: 5, element: {__duckdb_field_id: 6, element: 7}},
      s: {__duckdb_field_id: 8, sub: {__duckdb_field_id: 9, d: 10, dt: 11, ts: 12, b: 13}}}`;
    const { table, dataFiles } = await writeNestedTable(fields, [{ select, fieldIds }]);
    // The fixture encoding from DuckDB's values: longs beyond 2^53 and decimals as text, ISO timestamps, hex bytes.
    const row = `{'id': id, 'm': m, 'bm': map_from_entries(list_transform(map_entries(bm), (e) -> {'k': lower(hex(e.key)), 'v': e.value})),
      'll': list_transform(ll, (l) -> list_transform(l, (v) -> CASE WHEN abs(v) > 9007199254740991 THEN to_json(v::VARCHAR) ELSE v::JSON END)),
      's': {'sub': CASE WHEN s.sub IS NULL THEN NULL ELSE {'d': s.sub.d::VARCHAR, 'dt': s.sub.dt::VARCHAR,
        'ts': strftime(s.sub.ts, '%Y-%m-%dT%H:%M:%S.%f'), 'b': lower(hex(s.sub.b))} END}}`;
    const rows = await archiveRows(table);
    expect(rows).toEqual(await duckDbJsonRows(dataFiles[0]!, "id", row));
    expect(rows[3]).toMatchObject({ m: { 3: "v3", 13: null }, bm: { "00ff": 3 }, ll: [[3, "27021597764222979"], [], null] });
  });

  it("refuses a column whose file shape contradicts the table schema, naming the file and the column", async () => {
    const wrong = structuredClone(FIELDS);
    wrong[0] = optional(1, "id", struct(optional(20, "a", "long")));
    const { table, dataFiles } = await writeNestedTable(wrong, [{ select: SELECT, fieldIds: FIELD_IDS }]);
    const result = await runCli(["archive", "rows", table]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(dataFiles[0]!);
    expect(result.stderr).toContain('column "id" is a primitive in the file but a struct in the table schema');
  });
});
