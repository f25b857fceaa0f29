// A billion-event archive by its metadata: real Iceberg metadata, manifest lists and manifests of
// `files` data files (`filesPerDay` a day, `eventsPerFile` events each, partitioned by day, with the
// column statistics a writer records), of which one day's files are written for real. Planning reads
// only metadata, except the footers of the files a filter keeps: the filtered plans of the benchmark
// keep files of the real day only, so everything planning reads exists and is what it says.
import type { PartitionSpec } from "../src/archive/metadata.ts";
import { fieldByName } from "../src/archive/schema.ts";
import { encodeSingleValue } from "../src/archive/single-value.ts";
import type { ObjectStore } from "../src/archive/store/object-store.ts";
import {
  commitAppend,
  createEventArchive,
  eventPartitionSpec,
  randomWriterIds,
  writeEventDataFiles,
  type DataFile,
  type WritableTable,
} from "../src/archive/writer/index.ts";
import { partitionPath } from "../src/archive/writer/partitioning.ts";
import { demoEvents } from "../src/local/demo/demo-events.ts";
import type { EventRecord } from "../src/registry/index.ts";
import { envelope } from "../convex/envelope.ts";

const MS_PER_DAY = 86_400_000;
/** The archive's first day: 2024-01-01. */
export const SYNTHETIC_START_MS = Date.UTC(2024, 0, 1);

export interface SyntheticArchiveOptions {
  files: number;
  eventsPerFile: number;
  filesPerDay: number;
  /** Data files per append (one manifest each), as an archiver that appends every few hours leaves them. */
  filesPerManifest: number;
  /** The day (0 = the first) whose data files are written for real. */
  realDay: number;
}

export interface SyntheticArchive {
  events: number;
  dataFiles: number;
  manifests: number;
  realFiles: number;
  /** Start of the real day, epoch ms. */
  realDayStartMs: number;
}

export async function writeSyntheticArchive(
  store: ObjectStore,
  options: SyntheticArchiveOptions,
  log: (line: string) => void = () => {},
): Promise<SyntheticArchive> {
  let table = await createEventArchive(store, envelope);
  const realDayStartMs = SYNTHETIC_START_MS + options.realDay * MS_PER_DAY;
  const real: DataFile[] = [];
  for (let index = 0; index < options.filesPerDay; index++) {
    const file = options.realDay * options.filesPerDay + index;
    const append = await writeEventDataFiles(store, table, envelope, fileEvents(file, options));
    real.push(...append.dataFiles);
  }
  if (real.length !== options.filesPerDay) throw new Error(`the real day's files crossed midnight: ${real.length}`);
  log(`   ${real.length} real data files of ${options.eventsPerFile.toLocaleString("en-US")} events written`);
  const described = new DataFileDescriber(table, real[0]!, options);
  let manifests = 0;
  for (let first = 0; first < options.files; first += options.filesPerManifest) {
    const dataFiles: DataFile[] = [];
    for (let file = first; file < Math.min(options.files, first + options.filesPerManifest); file++) {
      const day = Math.floor(file / options.filesPerDay);
      dataFiles.push(day === options.realDay ? real[file % options.filesPerDay]! : described.dataFile(file));
    }
    table = (await commitAppend(store, table, { dataFiles }, randomWriterIds)).table;
    manifests++;
  }
  log(`   metadata of ${options.files.toLocaleString("en-US")} data files in ${manifests} manifests committed`);
  return {
    events: options.files * options.eventsPerFile,
    dataFiles: options.files,
    manifests,
    realFiles: real.length,
    realDayStartMs,
  };
}

/** File `file`'s events: consecutive positions, spread evenly over its share of its day. */
function* fileEvents(file: number, options: SyntheticArchiveOptions): Generator<EventRecord> {
  const firstPosition = file * options.eventsPerFile + 1;
  const { startMs, spanMs } = fileTimes(file, options);
  let index = 0;
  for (const event of demoEvents({ events: options.eventsPerFile, seed: file + 1 })) {
    yield {
      ...event,
      globalPosition: firstPosition + index,
      occurredAtMs: startMs + Math.floor((index * spanMs) / options.eventsPerFile),
    };
    index++;
  }
}

function fileTimes(file: number, options: SyntheticArchiveOptions) {
  const day = Math.floor(file / options.filesPerDay);
  const spanMs = Math.floor(MS_PER_DAY / options.filesPerDay);
  return { startMs: SYNTHETIC_START_MS + day * MS_PER_DAY + (file % options.filesPerDay) * spanMs, spanMs };
}

/**
 * Manifest entries of files not written: a real file's statistics (sizes, counts, bounds of
 * type, CDN, device...) with the file's own partition, row count and position and time bounds.
 */
class DataFileDescriber {
  private readonly spec: PartitionSpec;
  private readonly positionId: number;
  private readonly occurredAtId: number;

  constructor(
    private readonly table: WritableTable,
    private readonly template: DataFile,
    private readonly options: SyntheticArchiveOptions,
  ) {
    const schema = table.metadata.schemas.at(-1)!;
    this.spec = eventPartitionSpec(envelope);
    this.positionId = fieldByName(schema, envelope.columns.position)!.id;
    this.occurredAtId = fieldByName(schema, envelope.columns.occurredAt)!.id;
  }

  dataFile(file: number): DataFile {
    const { eventsPerFile } = this.options;
    const { startMs, spanMs } = fileTimes(file, this.options);
    const partition = { [this.spec.fields[0]!.name]: Math.floor(startMs / MS_PER_DAY) };
    const key = `data/${partitionPath(this.spec, partition)}/00000-${file}-${randomWriterIds.newUuid()}.parquet`;
    const bounds = (position: number, timeMs: number, of: Map<number, Uint8Array>) =>
      new Map(of)
        .set(this.positionId, encodeSingleValue("long", BigInt(position)))
        .set(this.occurredAtId, encodeSingleValue("timestamptz", BigInt(timeMs) * 1000n));
    return {
      ...this.template,
      key,
      path: `${this.table.metadata.location}/${key}`,
      partition,
      recordCount: eventsPerFile,
      lowerBounds: bounds(file * eventsPerFile + 1, startMs, this.template.lowerBounds),
      upperBounds: bounds((file + 1) * eventsPerFile, startMs + spanMs - 1, this.template.upperBounds),
    };
  }
}
