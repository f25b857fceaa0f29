// An event archive grown the way the archiver grows one: many small appends of consecutive
// events, the `country` column added half-way (schema evolution), so each day ends up in many
// small files. What compaction exists for.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import type { ObjectStore } from "../../src/archive/store/object-store.ts";
import { appendToArchive, createEventArchive, type WritableTable } from "../../src/archive/writer/index.ts";
import { demoEvents, ENVELOPE_BEFORE_COUNTRY } from "../../src/local/demo/demo-events.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";

export interface FragmentedArchiveOptions {
  events: number;
  appends: number;
  seed?: number;
}

export interface FragmentedArchive {
  table: WritableTable;
  records: EventRecord[];
}

/** Writes the archive into `store`: `appends` appends of `events / appends` consecutive demo events each. */
export async function writeFragmentedArchive(
  store: ObjectStore,
  options: FragmentedArchiveOptions,
): Promise<FragmentedArchive> {
  const records = [...demoEvents({ events: options.events, seed: options.seed ?? 7 })];
  let table = await createEventArchive(store, ENVELOPE_BEFORE_COUNTRY);
  for (let index = 0; index < options.appends; index++) {
    const slice = records.slice(
      Math.round((records.length * index) / options.appends),
      Math.round((records.length * (index + 1)) / options.appends),
    );
    // The full envelope from half-way on, or as soon as events carry a country: its first append adds the column.
    const withCountry = index >= options.appends / 2 || slice.some((event) => "country" in event.attributes);
    table = (await appendToArchive(store, table, withCountry ? envelope : ENVELOPE_BEFORE_COUNTRY, slice)).table;
  }
  return { table, records };
}

/** A fresh local directory holding a fragmented archive. */
export async function localFragmentedArchive(
  options: FragmentedArchiveOptions,
): Promise<{ directory: string; store: LocalObjectStore } & FragmentedArchive> {
  const directory = join(mkdtempSync(join(tmpdir(), "reproject-fragmented-")), "events");
  const store = new LocalObjectStore(directory);
  return { directory, store, ...(await writeFragmentedArchive(store, options)) };
}
