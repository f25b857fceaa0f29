// Orphan file cleanup (Iceberg's remove_orphan_files): files under the table's data/ and metadata/
// folders that nothing references and that are older than a threshold. They are what crashed or
// losing writers leave behind: data files written for a commit that never happened, manifests and
// manifest lists of a commit that lost, files of snapshots whose expiry was interrupted. Kept: every
// file a snapshot in the current metadata needs, the current metadata file and those in its
// metadata log, the version hint, and anything newer than the threshold (a writer may be about to
// commit it: the threshold must exceed the longest write, days rather than minutes).
import { ArchiveError } from "../errors.ts";
import { currentSnapshot, type TableMetadata } from "../metadata.ts";
import { tableKeyOf } from "../paths.ts";
import type { ObjectInfo, ObjectStore } from "../store/object-store.ts";
import { loadTableForWrite, metadataKey, VERSION_HINT_KEY } from "../writer/table-commit.ts";
import { deleteFiles, type DeletionProgress } from "./delete-files.ts";
import { TableFileIndex } from "./table-files.ts";

/** The folders a table's writers write to; anything else under the location is not the table's to delete. */
const TABLE_FOLDERS = ["data/", "metadata/"];

export interface OrphanCleanupOptions {
  /** Only files last modified before this instant (epoch ms) are deleted. */
  olderThanMs: number;
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  onProgress?: (progress: OrphanCleanupProgress) => void;
}

export type OrphanCleanupProgress = DeletionProgress;

export interface OrphanCleanupResult {
  /** Objects listed under data/ and metadata/. */
  filesScanned: number;
  /** The orphans deleted (or, on a dry run, that would be). */
  orphans: ObjectInfo[];
  bytesDeleted: number;
  /** Unreferenced files spared because they are newer than the threshold. */
  recentUnreferenced: number;
  /** Orphans whose deletion failed (they are still orphans: the next run tries again). */
  deleteFailures: number;
  dryRun: boolean;
}

export async function cleanOrphans(store: ObjectStore, options: OrphanCleanupOptions): Promise<OrphanCleanupResult> {
  const table = await loadTableForWrite(store);
  const objects = (await Promise.all(TABLE_FOLDERS.map((folder) => store.listObjects(folder)))).flat();
  const current = currentSnapshot(table.metadata);
  if (current) {
    // If the table's files are not where its metadata says, everything would look orphaned: delete nothing.
    const listKey = tableKeyOf(current["manifest-list"], table.metadata.location);
    if (!objects.some((object) => object.key === listKey)) {
      throw new ArchiveError(
        `${store.root}/${listKey}`,
        "is the current snapshot's manifest list but is not among the listed files; refusing to clean orphans of a table whose files are not where its metadata says",
      );
    }
  }
  const referenced = await referencedKeys(store, table.metadata, table.version);
  const unreferenced = objects.filter((object) => !referenced.has(object.key) && !isNewerMetadata(object.key, table.version));
  const orphans = unreferenced.filter((object) => object.lastModified < options.olderThanMs);
  const result: OrphanCleanupResult = {
    filesScanned: objects.length,
    orphans: [],
    bytesDeleted: 0,
    recentUnreferenced: unreferenced.length - orphans.length,
    deleteFailures: 0,
    dryRun: options.dryRun ?? false,
  };
  result.deleteFailures = await deleteFiles(store, orphans, {
    keyOf: (orphan) => orphan.key,
    dryRun: options.dryRun,
    onProgress: options.onProgress,
    deleted: (orphan) => {
      result.orphans.push(orphan);
      result.bytesDeleted += orphan.size;
    },
  });
  result.orphans.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return result;
}

/** Keys of every file the table still needs. */
async function referencedKeys(store: ObjectStore, metadata: TableMetadata, version: number): Promise<Set<string>> {
  const keys = new Set((await new TableFileIndex(store, metadata).filesOf(metadata.snapshots)).keys());
  keys.add(metadataKey(version));
  keys.add(VERSION_HINT_KEY);
  for (const entry of metadata["metadata-log"]) addTableKey(keys, entry["metadata-file"], metadata.location);
  for (const name of ["statistics", "partition-statistics"]) {
    for (const file of (metadata[name] as Array<{ "statistics-path"?: string }> | undefined) ?? []) {
      if (file["statistics-path"]) addTableKey(keys, file["statistics-path"], metadata.location);
    }
  }
  return keys;
}

function addTableKey(keys: Set<string>, path: string, location: string): void {
  try {
    keys.add(tableKeyOf(path, location));
  } catch {
    // A file outside the table location is not listed here either.
  }
}

/** A metadata version after the one loaded: a commit that landed meanwhile. Never an orphan. */
function isNewerMetadata(key: string, version: number): boolean {
  const match = /^metadata\/v(\d+)\.metadata\.json$/.exec(key);
  return match !== null && Number(match[1]) > version;
}
