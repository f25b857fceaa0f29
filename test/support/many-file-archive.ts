// An event archive of many small data files, as years of small appends leave one before compaction:
// `files` Parquet files of consecutive demo events, committed `filesPerAppend` to a snapshot (one
// manifest each). Every file is real, so a rebuild can read the whole archive back.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import {
  commitAppend,
  createEventArchive,
  randomWriterIds,
  writeEventDataFiles,
  type DataFile,
} from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";

export interface ManyFileArchiveOptions {
  files: number;
  eventsPerFile: number;
  filesPerAppend: number;
  seed?: number;
}

export interface ManyFileArchive {
  directory: string;
  records: EventRecord[];
  /** Data files written: `files`, or a few more where a file's events cross midnight (a file holds one day). */
  dataFiles: number;
}

export async function localManyFileArchive(options: ManyFileArchiveOptions): Promise<ManyFileArchive> {
  const directory = join(mkdtempSync(join(tmpdir(), "reproject-many-files-")), "events");
  const store = new LocalObjectStore(directory);
  const records = [...demoEvents({ events: options.files * options.eventsPerFile, seed: options.seed ?? 3 })];
  let table = await createEventArchive(store, envelope);
  let pending: DataFile[] = [];
  let dataFiles = 0;
  for (let file = 0; file < options.files; file++) {
    const events = records.slice(file * options.eventsPerFile, (file + 1) * options.eventsPerFile);
    const append = await writeEventDataFiles(store, table, envelope, events);
    pending.push(...append.dataFiles);
    if ((file + 1) % options.filesPerAppend === 0 || file === options.files - 1) {
      table = (await commitAppend(store, table, { dataFiles: pending }, randomWriterIds)).table;
      dataFiles += pending.length;
      pending = [];
    }
  }
  return { directory, records, dataFiles };
}
