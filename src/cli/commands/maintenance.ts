// `reproject archive compact | expire | clean-orphans`: archive maintenance from the terminal, with
// progress bars on stderr and a JSON summary on stdout.
import { stringifyJsonLossless } from "../../archive/json.ts";
import {
  cleanOrphans,
  compactTable,
  DEFAULT_RETAIN_LAST,
  DEFAULT_TARGET_FILE_BYTES,
  deploymentArchiveReason,
  expireSnapshots,
  openMaintainedTable,
  parsePartitionFilter,
} from "../../archive/maintenance/index.ts";
import { partitionSpecById } from "../../archive/metadata.ts";
import {
  parseCommandArgs,
  parseIsoInstant,
  parseList,
  parsePositiveInteger,
  printUsage,
  requirePositional,
} from "../args.ts";
import { UsageError } from "../command.ts";
import { startProgressBar, type ProgressBar } from "../progress-bar.ts";

const TABLE_HELP = "<table> is a table directory or s3://bucket/prefix (S3_ENDPOINT, AWS_* from the environment).";
const MIB = 1024 * 1024;
/**
 * Orphan cleanup of a deployment's archive spares files younger than this whatever --older-than
 * says: the archiver may be writing data files it has not committed yet.
 */
export const MIN_DEPLOYMENT_ORPHAN_AGE_MS = 60 * 60 * 1000;

const COMPACT_USAGE = `Usage: reproject archive compact <table> [--target-file-mb N] [--partition day=YYYY-MM-DD]

Rewrites the small data files of each partition (or of one) into files near the target size
(default ${DEFAULT_TARGET_FILE_BYTES / MIB} MB), in global_position order, with delete files applied, as one
Iceberg "replace" snapshot. Older snapshots keep the old files until they expire.
${TABLE_HELP}`;

const EXPIRE_USAGE = `Usage: reproject archive expire <table> --older-than ISO [--retain-last N] [--keep-snapshots ID,ID] [--no-pinned-check] [--dry-run]

Removes snapshots committed before --older-than from the table metadata (keeping the current one,
branch and tag heads, the last N of the current lineage, default ${DEFAULT_RETAIN_LAST}, and --keep-snapshots)
and deletes the files only they needed.
Rebuilds of a Convex deployment pin the snapshot they read; this command cannot see them. On the
deployment's archive (REPROJECT_ARCHIVE, or the table property set by its maintenance runs) it
refuses to run unless given the pinned snapshots (--keep-snapshots, from
\`npx convex run reproject:pinnedSnapshots\`) or --no-pinned-check. \`reprojectNode:expire\` in the
deployment checks them itself.
${TABLE_HELP}`;

const ORPHANS_USAGE = `Usage: reproject archive clean-orphans <table> --older-than ISO [--dry-run]

Deletes files under the table's data/ and metadata/ folders that no snapshot, current metadata file,
metadata log entry or version hint references, and that were last modified before --older-than
(crashed and losing writers leave them). Choose a threshold older than any write in progress.
${TABLE_HELP}`;

function printSummary(summary: Record<string, unknown>): void {
  process.stdout.write(`${stringifyJsonLossless(summary, 2)}\n`);
}

function requireIsoInstant(value: string | undefined, flag: string, usage: string): number {
  const ms = parseIsoInstant(value, flag);
  if (ms === undefined) throw new UsageError(`${flag} is required.\n\n${usage}`);
  return ms;
}

/** One bar per phase, started when its total is known. */
class PhaseBar {
  private bar: ProgressBar | undefined;
  constructor(private readonly label: string) {}
  update(done: number, total: number): void {
    if (total === 0) return;
    this.bar ??= startProgressBar(this.label, total);
    this.bar.update(done, total);
  }
  stop(): void {
    this.bar?.stop();
  }
}

export const archiveCompact = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { "target-file-mb": { type: "string" }, partition: { type: "string" } },
    COMPACT_USAGE,
  );
  if (values.help) return printUsage(COMPACT_USAGE);
  const location = requirePositional(positionals, 0, "table", COMPACT_USAGE);
  const targetMb = parsePositiveInteger(values["target-file-mb"], "--target-file-mb");
  const { store, table } = await openMaintainedTable(location);
  const partition =
    values.partition === undefined
      ? undefined
      : parsePartitionFilter(partitionSpecById(table.metadata, table.metadata["default-spec-id"]), values.partition);
  const bar = new PhaseBar("compacting");
  const started = performance.now();
  const result = await compactTable(store, {
    targetFileBytes: targetMb === undefined ? undefined : targetMb * MIB,
    partition,
    onProgress: (progress) => bar.update(progress.rowsRead, progress.rowsTotal),
  }).finally(() => bar.stop());
  printSummary({
    table: store.root,
    snapshotId: result.snapshotId === null ? null : String(result.snapshotId),
    partitions: result.partitions,
    filesRead: result.filesRead,
    filesWritten: result.filesWritten,
    filesDeleted: 0,
    deleteFilesRemoved: result.deleteFilesRemoved,
    dataFilesBefore: result.dataFilesBefore,
    dataFilesAfter: result.dataFilesAfter,
    rowsRead: result.rowsRead,
    rowsWritten: result.rowsWritten,
    rowsDeleted: result.rowsDeleted,
    bytesBefore: result.bytesBefore,
    bytesAfter: result.bytesAfter,
    commitAttempts: result.commitAttempts,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    note:
      result.snapshotId === null
        ? "nothing to compact"
        : "the replaced files stay until the snapshots that need them expire (reproject archive expire)",
  });
  return 0;
};

export const archiveExpire = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      "older-than": { type: "string" },
      "retain-last": { type: "string" },
      "keep-snapshots": { type: "string" },
      "no-pinned-check": { type: "boolean" },
      "dry-run": { type: "boolean" },
    },
    EXPIRE_USAGE,
  );
  if (values.help) return printUsage(EXPIRE_USAGE);
  const location = requirePositional(positionals, 0, "table", EXPIRE_USAGE);
  const olderThanMs = requireIsoInstant(values["older-than"], "--older-than", EXPIRE_USAGE);
  const retainLast = parsePositiveInteger(values["retain-last"], "--retain-last");
  const keep = parseList(values["keep-snapshots"])?.map((id) => {
    if (!/^\d+$/.test(id)) throw new UsageError(`--keep-snapshots takes snapshot ids (digits), got "${id}"`);
    return BigInt(id);
  });
  const { store, table } = await openMaintainedTable(location);
  const deployment = deploymentArchiveReason(store, table.metadata);
  if (deployment && keep === undefined && !values["no-pinned-check"]) {
    throw new UsageError(
      `${store.root} is the event archive of a Convex deployment (${deployment}). Its rebuilds may have pinned snapshots ` +
        "this command cannot see, and expiring one would make the rebuild fail. Pass --keep-snapshots with the snapshots " +
        "running, paused and failed rebuilds pinned (npx convex run reproject:pinnedSnapshots), or --no-pinned-check if " +
        "you know none is pinned; or run `npx convex run reprojectNode:expire`, which checks them itself.",
    );
  }
  const bar = new PhaseBar(values["dry-run"] ? "files to delete" : "deleting files");
  const result = await expireSnapshots(store, {
    olderThanMs,
    retainLast,
    keepSnapshotIds: keep,
    dryRun: values["dry-run"],
    onProgress: (progress) => bar.update(progress.filesDeleted, progress.filesToDelete),
  }).finally(() => bar.stop());
  const filesDeleted = Object.values(result.filesDeleted).reduce((sum, count) => sum + count, 0);
  printSummary({
    table: store.root,
    dryRun: result.dryRun,
    expiredSnapshots: result.expiredSnapshotIds.map(String),
    retainedSnapshots: result.retainedSnapshotIds.map(String),
    keptForPins: result.pinnedSnapshotIds.map(String),
    unknownPinnedSnapshots: result.unknownPinnedSnapshotIds.map(String),
    version: result.version,
    filesRead: 0,
    filesWritten: 0,
    filesDeleted,
    filesDeletedByKind: result.filesDeleted,
    bytesDeleted: result.bytesDeleted,
    deleteFailures: result.deleteFailures,
  });
  return 0;
};

export const archiveCleanOrphans = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { "older-than": { type: "string" }, "dry-run": { type: "boolean" } },
    ORPHANS_USAGE,
  );
  if (values.help) return printUsage(ORPHANS_USAGE);
  const location = requirePositional(positionals, 0, "table", ORPHANS_USAGE);
  const olderThanMs = requireIsoInstant(values["older-than"], "--older-than", ORPHANS_USAGE);
  const { store, table } = await openMaintainedTable(location);
  const deployment = deploymentArchiveReason(store, table.metadata);
  if (deployment && olderThanMs > Date.now() - MIN_DEPLOYMENT_ORPHAN_AGE_MS) {
    throw new UsageError(
      `${store.root} is the event archive of a Convex deployment (${deployment}): its archiver may be writing files ` +
        `it has not committed yet. Choose an --older-than at least ${MIN_DEPLOYMENT_ORPHAN_AGE_MS / 60_000} minutes ago ` +
        `(e.g. ${new Date(Date.now() - 3 * 86_400_000).toISOString()}).`,
    );
  }
  const bar = new PhaseBar(values["dry-run"] ? "orphans found" : "deleting orphans");
  const result = await cleanOrphans(store, {
    olderThanMs,
    dryRun: values["dry-run"],
    onProgress: (progress) => bar.update(progress.filesDeleted, progress.filesToDelete),
  }).finally(() => bar.stop());
  printSummary({
    table: store.root,
    dryRun: result.dryRun,
    filesScanned: result.filesScanned,
    filesRead: 0,
    filesWritten: 0,
    filesDeleted: result.orphans.length,
    bytesDeleted: result.bytesDeleted,
    recentUnreferencedKept: result.recentUnreferenced,
    deleteFailures: result.deleteFailures,
    orphans: result.orphans.map((orphan) => ({
      key: orphan.key,
      bytes: orphan.size,
      lastModified: new Date(orphan.lastModified).toISOString(),
    })),
  });
  return 0;
};
