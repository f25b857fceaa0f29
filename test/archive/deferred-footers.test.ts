// A plan without a row filter takes each data file's rows and position bounds from its manifest
// entry and leaves the footer to the scan, which checks the two agree.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptArchiveError } from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import {
  commitAppend,
  createEventArchive,
  randomWriterIds,
  writeEventDataFiles,
} from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { envelope } from "../../convex/envelope.ts";
import { localManyFileArchive } from "../support/many-file-archive.ts";

describe("planning without a row filter", () => {
  it("opens no data file: a plan of an archive whose data files are gone has every file's rows and bounds", async () => {
    const archive = await localManyFileArchive({ files: 40, eventsPerFile: 5, filesPerAppend: 10 });
    const table = await ArchiveTable.open(archive.directory);
    // A filter that keeps every row, so this plan reads every footer and takes bounds from row groups.
    const fromFooters = (await table.plan({
      predicate: [{ column: "global_position", op: "range", min: 0 }],
      orderBy: "global_position",
    }))!;
    for (const slice of fromFooters.slices) rmSync(join(archive.directory, slice.key));
    const plan = (await table.plan({ columns: ["global_position"], orderBy: "global_position" }))!;
    expect(plan.rowCount).toBe(200);
    expect(plan.rowCountExact).toBe(true);
    expect(plan.slices).toHaveLength(archive.dataFiles);
    const bounds = (slices: typeof plan.slices) =>
      slices.map(({ key, rowCount, orderLower, orderUpper }) => ({ key, rowCount, orderLower, orderUpper }));
    expect(bounds(plan.slices)).toEqual(bounds(fromFooters.slices));
    expect(plan.slices[0]!.orderLower).toBe(1n);
    expect(plan.slices.at(-1)!.orderUpper).toBe(200n);
    // A row filter needs row-group statistics: that plan opens the files.
    await expect(
      table.plan({ predicate: [{ column: "event_type", op: "in", values: ["Error"] }], orderBy: "global_position" }),
    ).rejects.toThrow(/does not exist|no such file|not found/i);
  });

  it("the scan refuses a data file whose footer holds other rows than its manifest entry counted", async () => {
    const directory = join(mkdtempSync(join(tmpdir(), "reproject-miscounted-")), "events");
    const store = new LocalObjectStore(directory);
    const table = await createEventArchive(store, envelope);
    const append = await writeEventDataFiles(store, table, envelope, demoEvents({ events: 30, seed: 2 }));
    const [first, ...rest] = append.dataFiles;
    const miscounted = [{ ...first!, recordCount: first!.recordCount + 1 }, ...rest];
    await commitAppend(store, table, { ...append, dataFiles: miscounted }, randomWriterIds);
    const archive = await ArchiveTable.open(directory);
    const plan = (await archive.plan({ orderBy: "global_position" }))!;
    expect(plan.rowCount).toBe(31);
    const message = `${first!.key}: has ${first!.recordCount} rows but the manifest says ${first!.recordCount + 1}`;
    const scan = async () => {
      for await (const _batch of archive.scan(plan));
    };
    await expect(scan()).rejects.toThrow(CorruptArchiveError);
    await expect(scan()).rejects.toThrow(message);
  });
});
