import { describe, expect, it } from "vitest";
import type { RowPredicate } from "../../src/archive/predicate.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { fixturePath } from "../support/fixtures.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";

const daysSinceEpoch = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

/** Exact decimal arithmetic for the TPC-H check: "24710.35" → 2471035n at scale 2. */
const unscaled = (decimal: string) => BigInt(decimal.replace(".", ""));

function formatScale4(value: bigint): string {
  const digits = value.toString().padStart(5, "0");
  return `${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

describe("predicate pushdown on real tables", () => {
  it("answers TPC-H Q6 on lineitem with the revenue the source project publishes, for both snapshots", async () => {
    const table = await ArchiveTable.open(fixturePath("lineitem_iceberg"));
    const q6: RowPredicate = [
      { column: "l_shipdate", op: "range", min: daysSinceEpoch("1994-01-01"), max: daysSinceEpoch("1995-01-01"), maxInclusive: false },
      { column: "l_discount", op: "range", min: "0.05", max: "0.07" },
      { column: "l_quantity", op: "range", max: 24, maxInclusive: false },
    ];
    const revenueOf = async (snapshotId?: bigint) => {
      const plan = (await table.plan({ columns: ["l_extendedprice", "l_discount"], predicate: q6, snapshotId }))!;
      let revenue = 0n;
      let filtered = 0;
      for await (const batch of table.scan(plan)) {
        filtered += batch.rowsFiltered;
        for (let row = 0; row < batch.rowCount; row++) {
          revenue += unscaled(batch.columns.l_extendedprice![row] as string) * unscaled(batch.columns.l_discount![row] as string);
        }
      }
      return { revenue: formatScale4(revenue), filtered, plan };
    };
    const expected = fixtureExpectation("lineitem_iceberg") as unknown as {
      aggregates: { tpchQ06Revenue: string };
      computed: { tpchQ06RevenueSnapshot7817332053627255703: string };
    };
    const current = await revenueOf();
    expect(current.revenue).toBe(expected.aggregates.tpchQ06Revenue);
    expect(current.filtered).toBeGreaterThan(0);
    expect(current.plan.rowCountExact).toBe(false);
    expect((await revenueOf(7817332053627255703n)).revenue).toBe(expected.computed.tpchQ06RevenueSnapshot7817332053627255703);
  });

  it("skips data files by column bounds and still returns the matching row (id = 1)", async () => {
    const table = await ArchiveTable.open(fixturePath("spark_rename_column"));
    const all = (await table.plan())!;
    const plan = (await table.plan({ predicate: [{ column: "id", op: "in", values: [1] }] }))!;
    expect(plan.slices).toHaveLength(1);
    expect(plan.stats.dataFiles).toBe(all.slices.length);
    expect(plan.stats.dataFilesSkipped).toBe(all.slices.length - 1);
    const rows = [];
    for await (const batch of table.scan(plan)) rows.push(...(batch.columns.id as number[]));
    expect(rows).toEqual([1]);
  });

  it("reads no file at all when no file can hold the value (id = 6)", async () => {
    const table = await ArchiveTable.open(fixturePath("spark_rename_column"));
    const plan = (await table.plan({ predicate: [{ column: "id", op: "in", values: [6] }] }))!;
    expect(plan.slices).toEqual([]);
    expect(plan.stats.rowsSkipped).toBe(plan.stats.rows);
  });

  it("filters on a renamed, decimal column with the same answer as a full read (price > 0)", async () => {
    const table = await ArchiveTable.open(fixturePath("spark_rename_column"));
    const { rows } = await readAllRows(table);
    const expectedIds = rows.filter((row) => Number(row.price) > 0).map((row) => row.id).sort();
    const plan = (await table.plan({ predicate: [{ column: "price", op: "range", min: "0", minInclusive: false }] }))!;
    const ids: number[] = [];
    for await (const batch of table.scan(plan)) ids.push(...(batch.columns.id as number[]));
    expect(ids.sort()).toEqual(expectedIds);
    expect(ids.sort()).toEqual((fixtureExpectation("spark_rename_column") as unknown as { pruning: { wherePriceGt0Ids: number[] } }).pruning.wherePriceGt0Ids);
  });

  it("prunes identity partitions and applies that partition's equality deletes (name = 'c')", async () => {
    const table = await ArchiveTable.open(fixturePath("equality_deletes_partitioned"));
    const everything = await readAllRows(table);
    const plan = (await table.plan({ predicate: [{ column: "name", op: "in", values: ["c", "d"] }] }))!;
    expect(plan.slices.map((slice) => slice.key.split("/")[1]).sort()).toEqual(["name=c", "name=d"]);
    expect(plan.stats.dataFilesSkipped).toBe(plan.stats.dataFiles - 2);
    const names: string[] = [];
    let deleted = 0;
    for await (const batch of table.scan(plan)) {
      names.push(...(batch.columns.name as string[]));
      deleted += batch.rowsDeleted;
    }
    expect(names.sort()).toEqual(everything.rows.map((row) => row.name as string).filter((name) => name === "c" || name === "d").sort());
    expect(deleted).toBe(1);
  });
});

describe("row-group pruning on an event archive", () => {
  it("skips row groups whose statistics exclude a position range, and reads exactly that range", async () => {
    const { tamperedDemoArchive } = await import("../support/demo-archive.ts");
    const { PARQUET_ROW_GROUP_ROWS } = await import("../../src/archive/writer/index.ts");
    const events = PARQUET_ROW_GROUP_ROWS * 2 + 5_000;
    // Every event on one day: one data file of three row groups, ordered by position.
    const location = await tamperedDemoArchive(events, 5, (records) => {
      const start = Date.UTC(2025, 0, 2);
      records.forEach((record, index) => (record.occurredAtMs = start + index));
    });
    const table = await ArchiveTable.open(location);
    const from = PARQUET_ROW_GROUP_ROWS + 100;
    const plan = (await table.plan({
      columns: ["global_position"],
      predicate: [{ column: "global_position", op: "range", min: from, max: from + 999 }],
    }))!;
    expect(plan.stats).toMatchObject({ dataFiles: 1, rowGroups: 3, rowGroupsSkipped: 2 });
    expect(plan.slices).toHaveLength(1);
    expect(plan.rowCount).toBe(PARQUET_ROW_GROUP_ROWS);
    const positions: number[] = [];
    for await (const batch of table.scan(plan)) positions.push(...Array.from(batch.columns.global_position!, Number));
    expect(positions).toEqual(Array.from({ length: 1_000 }, (_, i) => from + i));
  });
});
