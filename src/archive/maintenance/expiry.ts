// Snapshot expiry (Iceberg's expire_snapshots): snapshots older than a threshold leave the table
// metadata in a new metadata version, then the files only they needed are deleted. Kept whatever
// their age: the current snapshot, the heads of branches and tags, the last `retainLast` snapshots
// of the current lineage, and every snapshot in `keepSnapshotIds`: those a rebuild has pinned and
// still reads (running, paused, or failed and resumable). A pinned snapshot keeps its manifests
// and data files, since a rebuild reads straight from the files its plan lists.
//
// The commit goes first and deletions after: a crash in between leaves unreferenced files, which
// orphan cleanup removes later, never a snapshot whose files are gone.
import { CommitConflictError } from "../errors.ts";
import { currentSnapshot, type Snapshot, type TableMetadata } from "../metadata.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { commitTableMetadata, loadTableForWrite, withPreviousMetadata, type WritableTable } from "../writer/table-commit.ts";
import { randomWriterIds, type WriterIds } from "../writer/writer-ids.ts";
import { mapConcurrently } from "../concurrency.ts";
import { deleteFiles, type DeletionProgress } from "./delete-files.ts";
import { TableFileIndex, type TableFile, type TableFileKind } from "./table-files.ts";

/** Iceberg's default for history.expire.min-snapshots-to-keep. */
export const DEFAULT_RETAIN_LAST = 1;
/** Iceberg's write.metadata.previous-versions-max default: older metadata files leave the log (and become orphans). */
export const DEFAULT_PREVIOUS_METADATA_VERSIONS = 100;
const COMMIT_ATTEMPTS = 4;

export interface ExpiryOptions {
  /** Snapshots committed before this instant (epoch ms) expire, unless kept for another reason. */
  olderThanMs: number;
  /** Snapshots of the current lineage kept whatever their age, the current one included. */
  retainLast?: number;
  /** Snapshots that must survive (pinned by rebuilds). */
  keepSnapshotIds?: Iterable<bigint>;
  /** Decide and report, change nothing. */
  dryRun?: boolean;
  ids?: WriterIds;
  onProgress?: (progress: ExpiryProgress) => void;
}

export type ExpiryProgress = DeletionProgress;

export interface ExpiryResult {
  expiredSnapshotIds: bigint[];
  retainedSnapshotIds: bigint[];
  /** Snapshots that would have expired but are kept because they are pinned. */
  pinnedSnapshotIds: bigint[];
  /** Pinned ids the table does not have (expired before they were pinned here, or of another table). */
  unknownPinnedSnapshotIds: bigint[];
  /** Table version after the commit; null when nothing expired or on a dry run. */
  version: number | null;
  /** Files deleted (or, on a dry run, that would be), by kind, and their bytes where known. */
  filesDeleted: Record<TableFileKind, number>;
  bytesDeleted: number;
  /** Files whose deletion failed: unreferenced now, orphan cleanup will remove them. */
  deleteFailures: number;
  dryRun: boolean;
}

export async function expireSnapshots(store: ObjectStore, options: ExpiryOptions): Promise<ExpiryResult> {
  const ids = options.ids ?? randomWriterIds;
  const pins = new Set(options.keepSnapshotIds ?? []);
  for (let attempt = 1; ; attempt++) {
    const table = await loadTableForWrite(store);
    const decision = decideExpiry(table.metadata, options.olderThanMs, options.retainLast ?? DEFAULT_RETAIN_LAST, pins);
    const result: ExpiryResult = {
      expiredSnapshotIds: decision.expired.map((snapshot) => snapshot["snapshot-id"]),
      retainedSnapshotIds: decision.retained.map((snapshot) => snapshot["snapshot-id"]),
      pinnedSnapshotIds: decision.pinned,
      unknownPinnedSnapshotIds: [...pins].filter((id) => !table.metadata.snapshots.some((snapshot) => snapshot["snapshot-id"] === id)),
      version: null,
      filesDeleted: { "manifest-list": 0, manifest: 0, data: 0, deletes: 0 },
      bytesDeleted: 0,
      deleteFailures: 0,
      dryRun: options.dryRun ?? false,
    };
    if (decision.expired.length === 0) return result;

    const index = new TableFileIndex(store, table.metadata);
    const kept = await index.filesOf(decision.retained);
    const unneeded = [...(await index.filesOf(decision.expired)).values()].filter((file) => !kept.has(file.key));
    if (!options.dryRun) {
      try {
        result.version = (await commitExpiry(store, table, decision, ids)).version;
      } catch (error) {
        if (error instanceof CommitConflictError && attempt < COMMIT_ATTEMPTS) continue; // decide again on the newer table
        throw error;
      }
    }
    await deleteUnneeded(store, unneeded, result, options);
    return result;
  }
}

interface ExpiryDecision {
  expired: Snapshot[];
  retained: Snapshot[];
  /** Ids that only the pins kept. */
  pinned: bigint[];
}

export function decideExpiry(metadata: TableMetadata, olderThanMs: number, retainLast: number, pins: ReadonlySet<bigint>): ExpiryDecision {
  if (!Number.isInteger(retainLast) || retainLast < 1) throw new RangeError(`retainLast must be a whole number >= 1, got ${retainLast}`);
  const keep = new Set<bigint>();
  for (const ref of Object.values(metadata.refs)) keep.add(ref["snapshot-id"]);
  const byId = new Map(metadata.snapshots.map((snapshot) => [snapshot["snapshot-id"], snapshot]));
  let ancestor = currentSnapshot(metadata);
  for (let kept = 0; ancestor && kept < retainLast; kept++) {
    keep.add(ancestor["snapshot-id"]);
    const parent = ancestor["parent-snapshot-id"];
    ancestor = parent === undefined ? undefined : byId.get(parent);
  }
  const expired: Snapshot[] = [];
  const retained: Snapshot[] = [];
  const pinned: bigint[] = [];
  for (const snapshot of metadata.snapshots) {
    const id = snapshot["snapshot-id"];
    if (keep.has(id) || snapshot["timestamp-ms"] >= olderThanMs) retained.push(snapshot);
    else if (pins.has(id)) {
      retained.push(snapshot);
      pinned.push(id);
    } else expired.push(snapshot);
  }
  return { expired, retained, pinned };
}

function commitExpiry(
  store: ObjectStore,
  table: WritableTable,
  decision: ExpiryDecision,
  ids: WriterIds,
): Promise<WritableTable> {
  const base = table.metadata;
  const expired = new Set(decision.expired.map((snapshot) => snapshot["snapshot-id"]));
  // As Java does: time travel to an instant an expired snapshot covered must fail, not land on an older
  // retained one, so the log keeps only what follows the last expired entry.
  const log = base["snapshot-log"];
  const lastExpired = log.findLastIndex((entry) => expired.has(entry["snapshot-id"]));
  const maxPrevious = Number(base.properties["write.metadata.previous-versions-max"] ?? DEFAULT_PREVIOUS_METADATA_VERSIONS);
  const metadata: TableMetadata = {
    ...base,
    "last-updated-ms": Math.max(ids.nowMs(), base["last-updated-ms"]),
    snapshots: decision.retained,
    "snapshot-log": log.slice(lastExpired + 1),
    "metadata-log": withPreviousMetadata(table).slice(-Math.max(1, maxPrevious)),
  };
  return commitTableMetadata(store, table, metadata, {
    notCommitted: `this expiry of ${decision.expired.length} snapshot${decision.expired.length === 1 ? "" : "s"} was not committed and deleted nothing. Run it again.`,
  });
}

async function deleteUnneeded(store: ObjectStore, files: TableFile[], result: ExpiryResult, options: ExpiryOptions): Promise<void> {
  // Sizes the manifests do not give are read before the files go.
  const sized = await mapConcurrently(files, async (file) => ({ file, size: file.size ?? (await sizeOrUndefined(store, file.key)) }));
  result.deleteFailures += await deleteFiles(store, sized, {
    keyOf: ({ file }) => file.key,
    dryRun: options.dryRun,
    onProgress: options.onProgress,
    deleted: ({ file, size }) => {
      result.filesDeleted[file.kind]++;
      result.bytesDeleted += size ?? 0;
    },
  });
}

async function sizeOrUndefined(store: ObjectStore, key: string): Promise<number | undefined> {
  try {
    return await store.size(key);
  } catch {
    return undefined;
  }
}
