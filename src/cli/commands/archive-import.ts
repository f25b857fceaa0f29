// `reproject archive import`: an app's own history, as JSON Lines, appended to its Iceberg event
// archive laid out by the app's envelope. The file is checked whole before anything is written, so
// a malformed line costs nothing; then every ARCHIVE_COMMIT_EVENTS events are one snapshot.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ArchiveNotFoundError } from "../../archive/errors.ts";
import { stringifyJsonLossless } from "../../archive/json.ts";
import type { ObjectStore } from "../../archive/store/object-store.ts";
import { openObjectStore } from "../../archive/store/open-store.ts";
import {
  appendToArchive,
  createEventArchive,
  eventAppendSchema,
  eventArchiveHighWaterMark,
  loadTableForWrite,
  type WritableTable,
} from "../../archive/writer/index.ts";
import { ARCHIVE_COMMIT_EVENTS } from "../../node/archiver.ts";
import type { EventEnvelope, EventRecord } from "../../registry/index.ts";
import { parseCommandArgs, parsePositiveInteger, printUsage, requirePositional } from "../args.ts";
import { UsageError } from "../command.ts";
import { loadEnvelopeModule } from "../import/envelope-module.ts";
import { EVENT_LINE_FIELDS, parseEventLine, type ImportedEvent } from "../import/event-lines.ts";
import { startProgressBar } from "../progress-bar.ts";

const IMPORT_USAGE = `Usage: reproject archive import <table> --envelope <module[#export]> --from <events.jsonl> [--skip N]

Appends the events of a JSON Lines file to an Iceberg event archive laid out by the app's envelope
(the module's export made by defineEnvelope, "envelope" unless named after #). A location that holds
no table yet gets a new one. Events take the positions after the archive's last, in file order.
The whole file is checked first; then every ${ARCHIVE_COMMIT_EVENTS.toLocaleString("en-US")} events are committed as one snapshot.
--skip N leaves out the file's first N events (to go on after an interrupted import).

Each line: ${EVENT_LINE_FIELDS}
<table> is a local directory or s3://bucket/prefix (S3_ENDPOINT, AWS_* from the environment).`;

export const archiveImport = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { envelope: { type: "string" }, from: { type: "string" }, skip: { type: "string" } },
    IMPORT_USAGE,
  );
  if (values.help) return printUsage(IMPORT_USAGE);
  const location = requirePositional(positionals, 0, "table", IMPORT_USAGE);
  if (!values.envelope) throw new UsageError(`--envelope is required.\n\n${IMPORT_USAGE}`);
  if (!values.from) throw new UsageError(`--from is required.\n\n${IMPORT_USAGE}`);
  const envelope = await loadEnvelopeModule(values.envelope);
  const file = values.from;
  const skip = parsePositiveInteger(values.skip, "--skip") ?? 0;

  const total = (await countEvents(file, envelope)) - skip;
  if (total < 0) throw new UsageError(`--skip ${skip} is more than the ${total + skip} events of ${file}`);
  const store = openObjectStore(location);
  let table = await openOrCreate(store, envelope);
  const start = await eventArchiveHighWaterMark(store, table, envelope);
  const started = performance.now();
  const bar = startProgressBar("importing", total);
  let imported = 0;
  let snapshots = 0;
  let batch: EventRecord[] = [];
  const commit = async () => {
    try {
      table = (await appendToArchive(store, table, envelope, batch)).table;
    } catch (error) {
      const resume = `${imported} of the file's events after the first ${skip} are committed (through position ${start + imported}); run again with --skip ${skip + imported} to go on`;
      throw new Error(`${(error as Error).message}. ${resume}`, { cause: error });
    }
    imported += batch.length;
    snapshots++;
    batch = [];
    bar.update(imported);
  };
  for await (const event of events(file, envelope, skip)) {
    batch.push({ ...event, globalPosition: start + imported + batch.length + 1 });
    if (batch.length === ARCHIVE_COMMIT_EVENTS) await commit();
  }
  if (batch.length > 0) await commit();
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${stringifyJsonLossless(
      {
        table: store.root,
        imported,
        firstPosition: imported > 0 ? start + 1 : null,
        lastPosition: start + imported,
        snapshots,
        seconds: Number(seconds.toFixed(2)),
        eventsPerSecond: seconds > 0 ? Math.round(imported / seconds) : null,
      },
      2,
    )}\n`,
  );
  return 0;
};

/** The table to append to, created from the envelope when there is none; an existing one must carry the envelope. */
async function openOrCreate(store: ObjectStore, envelope: EventEnvelope): Promise<WritableTable> {
  let table: WritableTable;
  try {
    table = await loadTableForWrite(store);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return createEventArchive(store, envelope);
    throw error;
  }
  eventAppendSchema(table.metadata, envelope);
  return table;
}

/** Checks every line and counts the events; nothing is held but the current line. */
async function countEvents(file: string, envelope: EventEnvelope): Promise<number> {
  let count = 0;
  for await (const _event of events(file, envelope, 0)) count++;
  return count;
}

async function* events(file: string, envelope: EventEnvelope, skip: number): AsyncGenerator<ImportedEvent> {
  const input = createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", (error) => reject(new UsageError(`--from ${file}: ${error.message}`)));
  });
  await opened;
  let line = 0;
  let seen = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    const event = parseEventLine(text, file, line, envelope);
    if (seen++ >= skip) yield event;
  }
}
