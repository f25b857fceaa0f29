import { describe, expect, it } from "vitest";
import type { ScanPlan, ScanSlice } from "../../src/archive/plan.ts";
import { toPlanJson } from "../../src/replay/plan-json.ts";
import {
  firstPageAfter,
  pagePlan,
  pageWrites,
  PLAN_PAGE_BYTES,
  PLAN_PAGE_MAX_BYTES,
  PLAN_WRITE_BYTES,
  readPlanHeader,
  readPlanPage,
} from "../../src/replay/plan-pages.ts";

/** A slice of `rows` positions from `lower` on, as a plan of the event archive holds one. */
function slice(index: number, lower: number, rows: number): ScanSlice {
  const key = `data/occurred_at_day=${20_000 + Math.floor(index / 100)}/00000-${index}-5c0e7a4b-1d2f-4e8a-9b3c-6f1e2d3c4b5a.parquet`;
  return {
    key,
    path: `s3://archive/events/${key}`,
    sizeInBytes: 1_800_000 + index,
    rowCount: rows,
    identityPartitionValues: {},
    deletes: [],
    orderLower: BigInt(lower),
    orderUpper: BigInt(lower + rows - 1),
  };
}

function planOf(slices: ScanSlice[]): ScanPlan {
  return {
    snapshotId: 7_208_476_380_521_812_000n,
    schema: { type: "struct", "schema-id": 0, fields: [] },
    fields: [],
    predicate: [],
    orderBy: "global_position",
    slices,
    rowCount: slices.reduce((sum, { rowCount }) => sum + rowCount, 0),
    rowCountExact: true,
    stats: {
      manifests: 1,
      manifestsSkipped: 0,
      dataFiles: slices.length,
      dataFilesSkipped: 0,
      rowGroups: 0,
      rowGroupsSkipped: 0,
      rows: 0,
      rowsSkipped: 0,
    },
  };
}

describe("a plan stored in pages", () => {
  const slices = Array.from({ length: 5_000 }, (_value, index) => slice(index, index * 50_000 + 1, 50_000));

  it("cuts 5,000 files into pages of at most PLAN_PAGE_BYTES that give back every slice in order", () => {
    const paged = pagePlan(planOf(slices));
    expect(paged.pages.length).toBeGreaterThan(5);
    for (const page of paged.pages) expect(page.length).toBeLessThanOrEqual(PLAN_PAGE_BYTES);
    expect(paged.header.length).toBeLessThan(4_096);
    expect(paged.pages.flatMap(readPlanPage)).toEqual(slices);
    const { header } = readPlanHeader(paged.header);
    expect(header.snapshotId).toBe(7_208_476_380_521_812_000n);
    expect(header.pageUppers).toHaveLength(paged.pages.length);
    expect(header.pageUppers).toEqual([...header.pageUppers].sort((a, b) => a! - b!));
  });

  it("finds the page a cursor is in: the first whose last position is after it", () => {
    const { header, pages } = (() => {
      const paged = pagePlan(planOf(slices));
      return { header: readPlanHeader(paged.header).header, pages: paged.pages.map(readPlanPage) };
    })();
    expect(firstPageAfter(header.pageUppers, null)).toBe(0);
    const secondPageStart = Number(pages[1]![0]!.orderLower);
    expect(firstPageAfter(header.pageUppers, secondPageStart - 1)).toBe(1);
    expect(firstPageAfter(header.pageUppers, secondPageStart)).toBe(1);
    expect(firstPageAfter(header.pageUppers, 5_000 * 50_000)).toBe(pages.length);
  });

  it("keeps files whose positions overlap on one page, since the scan merges them", () => {
    // Files 0-99 are spread over one range (a day appended out of order); the rest follow it.
    const overlapping = Array.from({ length: 100 }, (_value, index) => slice(index, index + 1, 1_000));
    const after = Array.from({ length: 1_000 }, (_value, index) => slice(100 + index, 2_000 + index * 10, 10));
    const pages = pagePlan(planOf([...overlapping, ...after])).pages.map(readPlanPage);
    expect(pages[0]!.slice(0, 100)).toEqual(overlapping);
    expect(pages.flat()).toHaveLength(1_100);
  });

  it("refuses overlapping files too many for one page, saying which and what to do", () => {
    const overlapping = Array.from({ length: 2_000 }, (_value, index) => slice(index, 1, 1_000));
    expect(toPlanJson(overlapping).length).toBeGreaterThan(PLAN_PAGE_MAX_BYTES);
    expect(() => pagePlan(planOf(overlapping))).toThrow(
      /2000 data files \(data\/occurred_at_day=20000\/00000-0-.* to .*-1999-.*\) overlap in global_position.*Compact the archive/,
    );
  });

  it("writes pages in runs of at most PLAN_WRITE_BYTES", () => {
    const pages = Array.from({ length: 100 }, () => "x".repeat(PLAN_PAGE_BYTES));
    const writes = pageWrites(pages);
    expect(writes.flatMap((write) => write.pages)).toEqual(pages);
    expect(writes.map((write) => write.first)).toEqual(writes.map((_write, index) => index * 32));
    for (const write of writes) expect(write.pages.join("").length).toBeLessThanOrEqual(PLAN_WRITE_BYTES);
  });

  it("reads a plan stored whole, before plans had pages, as one page of its own", () => {
    const old = planOf(slices.slice(0, 3));
    const { header, inlineSlices } = readPlanHeader(toPlanJson(old));
    expect(inlineSlices).toEqual(old.slices);
    expect(header.pageUppers).toEqual([null]);
    expect(header.rowCount).toBe(150_000);
  });
});
