// `reproject archive info | rows`: look inside an Iceberg table from the terminal.
import { ArchiveTable } from "../../archive/table.ts";
import { partitionSpecById, sortColumnOf } from "../../archive/metadata.ts";
import { batchRows } from "../../archive/scan.ts";
import { rowToJson } from "../../archive/row-json.ts";
import {
  parseCommandArgs,
  parseIsoInstant,
  parseList,
  parsePositiveInteger,
  printUsage,
  requirePositional,
} from "../args.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { stringifyJsonLossless } from "../../archive/json.ts";
import { openObjectStore } from "../../archive/store/open-store.ts";
import { DEFAULT_DEMO_SEED, MAX_DEMO_SEED, generateDemoArchive } from "../../local/demo/generate-demo-archive.ts";
import { startProgressBar } from "../progress-bar.ts";
import { archiveImport } from "./archive-import.ts";
import { archiveList } from "./catalog-list.ts";
import { archiveCleanOrphans, archiveCompact, archiveExpire } from "./maintenance.ts";

const TABLE_HELP =
  "<table> is a table directory, a *.metadata.json file, s3://bucket/prefix (S3_ENDPOINT, AWS_* from the environment), or a REST catalog table http(s)://catalog-uri#namespace.table (ICEBERG_REST_* from the environment).";

const INFO_USAGE = `Usage: reproject archive info <table>\n\nPrints the table's format, location, snapshots, schema, partition spec and row count as JSON.\n${TABLE_HELP}`;
const ROWS_USAGE = `Usage: reproject archive rows <table> [--snapshot ID] [--as-of ISO] [--columns a,b] [--limit N]\n\nPrints rows as JSON Lines.\n${TABLE_HELP}`;

export const archiveInfo = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, {}, INFO_USAGE);
  if (values.help) return printUsage(INFO_USAGE);
  const table = await ArchiveTable.open(requirePositional(positionals, 0, "table", INFO_USAGE));
  const metadata = table.metadata;
  const current = table.snapshot();
  process.stdout.write(
    `${stringifyJsonLossless(
      {
        formatVersion: metadata["format-version"],
        location: metadata.location,
        metadataFile: `${table.store.root}/${table.loaded.metadataKey}`,
        currentSnapshotId: current ? String(current["snapshot-id"]) : null,
        snapshots: metadata.snapshots.map((snapshot) => ({
          snapshotId: String(snapshot["snapshot-id"]),
          parentSnapshotId:
            snapshot["parent-snapshot-id"] === undefined ? null : String(snapshot["parent-snapshot-id"]),
          sequenceNumber: snapshot["sequence-number"],
          timestamp: new Date(snapshot["timestamp-ms"]).toISOString(),
          operation: snapshot.summary.operation,
          summary: snapshot.summary,
        })),
        schema: table.schema,
        partitionSpec: partitionSpecById(metadata, metadata["default-spec-id"]),
        rowCount: await countRows(table),
      },
      2,
    )}\n`,
  );
  return 0;
};

/** Rows of the current snapshot after deletes: from the metadata when no delete applies, else by scanning. */
async function countRows(table: ArchiveTable): Promise<number> {
  const plan = await table.plan({ columns: [] });
  if (!plan) return 0;
  if (plan.rowCountExact) return plan.rowCount;
  let rows = 0;
  for await (const batch of table.scan(plan)) rows += batch.rowCount;
  return rows;
}

export const archiveRows = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      snapshot: { type: "string" },
      "as-of": { type: "string" },
      columns: { type: "string" },
      limit: { type: "string" },
    },
    ROWS_USAGE,
  );
  if (values.help) return printUsage(ROWS_USAGE);
  const location = requirePositional(positionals, 0, "table", ROWS_USAGE);
  if (values.snapshot !== undefined && !/^\d+$/.test(values.snapshot)) {
    throw new UsageError(`--snapshot must be a snapshot id (digits), got "${values.snapshot}"`);
  }
  const limit = parsePositiveInteger(values.limit, "--limit") ?? Infinity;
  const table = await ArchiveTable.open(location);
  const plan = await table.plan({
    columns: parseList(values.columns),
    // Sorted tables (an event archive: by position) read in their sort order; others in manifest order.
    orderBy: sortColumnOf(table.metadata, table.schema),
    snapshotId: values.snapshot === undefined ? undefined : BigInt(values.snapshot),
    asOfMs: parseIsoInstant(values["as-of"], "--as-of"),
  });
  if (!plan || limit === 0) return 0;
  let printed = 0;
  for await (const batch of table.scan(plan)) {
    const lines: string[] = [];
    for (const row of batchRows(batch, plan.fields)) {
      if (printed + lines.length >= limit) break;
      lines.push(stringifyJsonLossless(rowToJson(plan.fields, row)));
    }
    printed += lines.length;
    if (lines.length > 0 && !process.stdout.write(`${lines.join("\n")}\n`)) {
      await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    if (printed >= limit) break;
  }
  return 0;
};

const GENERATE_USAGE = `Usage: reproject archive generate <table> --events N [--seed S]\n\nWrites a deterministic demo event archive (video playback telemetry) as a new Iceberg table.\n<table> is a new local directory or s3://bucket/prefix.`;

export const archiveGenerate = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { events: { type: "string" }, seed: { type: "string" } },
    GENERATE_USAGE,
  );
  if (values.help) return printUsage(GENERATE_USAGE);
  const location = requirePositional(positionals, 0, "table", GENERATE_USAGE);
  const events = parsePositiveInteger(values.events, "--events");
  if (events === undefined) throw new UsageError(`--events is required.\n\n${GENERATE_USAGE}`);
  const seed = values.seed === undefined ? DEFAULT_DEMO_SEED : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_DEMO_SEED) {
    throw new UsageError(`--seed must be a whole number from 0 to ${MAX_DEMO_SEED}, got "${values.seed}"`);
  }
  const store = openObjectStore(location);
  if ((await store.list("metadata/")).length > 0) {
    throw new UsageError(`${store.root} already holds an Iceberg table; choose an empty location`);
  }
  const started = performance.now();
  const bar = startProgressBar("generating", events);
  const archive = await generateDemoArchive(store, {
    events,
    seed,
    onProgress: (progress) => bar.update(progress.eventsWritten),
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${stringifyJsonLossless(
      {
        table: store.root,
        events,
        seed,
        snapshots: archive.snapshots.length,
        dataFiles: archive.dataFiles.length,
        seconds: Number(seconds.toFixed(2)),
        eventsPerSecond: Math.round(events / seconds),
      },
      2,
    )}\n`,
  );
  return 0;
};

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  info: archiveInfo,
  rows: archiveRows,
  generate: archiveGenerate,
  import: archiveImport,
  compact: archiveCompact,
  expire: archiveExpire,
  "clean-orphans": archiveCleanOrphans,
  list: archiveList,
};
const ARCHIVE_USAGE = `Usage: reproject archive <info|rows|generate|import|compact|expire|clean-orphans|list> <table> [options]\n\n  info           table format, snapshots, schema, partitioning, row count (JSON)\n  rows           rows as JSON Lines\n  generate       write a demo event archive\n  import         append an app's events from JSON Lines, laid out by its envelope\n  compact        rewrite small data files into bigger ones (a replace snapshot)\n  expire         remove old snapshots and the files only they need\n  clean-orphans  delete files no snapshot references\n  list           namespaces and tables of a REST catalog (JSON)\n\n${TABLE_HELP}`;

export const archiveCommand: CliCommand = {
  name: "archive",
  summary:
    "inspect, generate, import into or maintain an Iceberg event archive: info, rows, generate, import, compact, expire, clean-orphans, list",
  async run([subcommand, ...rest]) {
    if (subcommand === undefined || subcommand === "--help" || subcommand === "-h") return printUsage(ARCHIVE_USAGE);
    const run = SUBCOMMANDS[subcommand];
    if (!run) throw new UsageError(`unknown subcommand "archive ${subcommand}".\n\n${ARCHIVE_USAGE}`);
    return run(rest);
  },
};
