// Generates the demo event archive: `events` playback events from `seed`, appended in several
// snapshots, with `country` added by a schema change half-way. Streams from the generator to
// Parquet, so memory stays flat whatever the event count. The seed also drives file names,
// snapshot ids and commit times (each commit is dated at its last event), so the same seed gives
// the same table byte for byte.
import { envelope } from "../../../convex/envelope.ts";
import type { Snapshot } from "../../archive/metadata.ts";
import type { ObjectStore } from "../../archive/store/object-store.ts";
import {
  commitAppend,
  createEventArchive,
  SeededRandom,
  seededWriterIds,
  writeEventDataFiles,
  type DataFile,
  type WritableTable,
} from "../../archive/writer/index.ts";
import type { EventRecord } from "../../registry/index.ts";
import { demoEvents, DEMO_START_MS, ENVELOPE_BEFORE_COUNTRY, planDemoAppends } from "./demo-events.ts";

export interface DemoProgress {
  eventsWritten: number;
  events: number;
  snapshotsCommitted: number;
  snapshots: number;
}

export interface DemoArchiveOptions {
  events: number;
  seed?: number;
  /** Location written into the metadata; the store's root by default. */
  location?: string;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoArchive {
  table: WritableTable;
  snapshots: Snapshot[];
  dataFiles: DataFile[];
}

export const DEFAULT_DEMO_SEED = 1;
export const MAX_DEMO_SEED = 2 ** 32 - 1;
/** Keeps the ids stream apart from the events stream of the same seed. */
const IDS_SEED_OFFSET = 0x9e3779b9;

export async function generateDemoArchive(store: ObjectStore, options: DemoArchiveOptions): Promise<DemoArchive> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_DEMO_SEED) {
    throw new RangeError(`the demo seed must be an integer from 0 to ${MAX_DEMO_SEED}, got ${seed}`);
  }
  const appends = planDemoAppends(options.events);
  let clockMs = DEMO_START_MS;
  const ids = seededWriterIds(new SeededRandom(seed + IDS_SEED_OFFSET), () => clockMs);
  const progress: DemoProgress = { eventsWritten: 0, events: options.events, snapshotsCommitted: 0, snapshots: appends.length };
  const report = () => options.onProgress?.({ ...progress });

  let table = await createEventArchive(store, ENVELOPE_BEFORE_COUNTRY, { ids, location: options.location });
  const events = demoEvents({ events: options.events, seed });
  const snapshots: Snapshot[] = [];
  const dataFiles: DataFile[] = [];
  report();
  for (const append of appends) {
    let lastOccurredAtMs = 0;
    const chunk = take(events, append.lastPosition - append.firstPosition + 1, (event) => (lastOccurredAtMs = event.occurredAtMs));
    // The first append with the full envelope adds its `country` column to the table's schema.
    const written = await writeEventDataFiles(store, table, append.withCountry ? envelope : ENVELOPE_BEFORE_COUNTRY, chunk, {
      ids,
      onRows: (rows) => {
        progress.eventsWritten += rows;
        report();
      },
    });
    clockMs = lastOccurredAtMs;
    const result = await commitAppend(store, table, written, ids);
    table = result.table;
    snapshots.push(result.snapshot);
    dataFiles.push(...written.dataFiles);
    progress.snapshotsCommitted++;
    report();
  }
  return { table, snapshots, dataFiles };
}

/** The next `count` events of a shared generator, without closing it. */
function* take(events: Iterator<EventRecord>, count: number, onEvent: (event: EventRecord) => void): Generator<EventRecord> {
  for (let taken = 0; taken < count; taken++) {
    const next = events.next();
    if (next.done) return;
    onEvent(next.value);
    yield next.value;
  }
}
