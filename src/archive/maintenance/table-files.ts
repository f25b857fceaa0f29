// Which files snapshots need (spec "Snapshots": a snapshot is its manifest list, the manifests it
// lists and the live data and delete files they hold). Expiry deletes what only expired snapshots
// need; orphan cleanup deletes what no snapshot needs. DELETED manifest entries are not needed to
// read a snapshot, so a file only they mention is not kept for them.
import { EntryStatus, FileContent, readManifest, readManifestList, type ManifestFile } from "../manifest.ts";
import type { Snapshot, TableMetadata } from "../metadata.ts";
import { tableKeyOf } from "../paths.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { mapConcurrently } from "../concurrency.ts";

export type TableFileKind = "manifest-list" | "manifest" | "data" | "deletes";

export interface TableFile {
  /** Key relative to the table root. */
  key: string;
  kind: TableFileKind;
  /** Bytes, when the metadata records it (manifest lists' sizes are not recorded anywhere). */
  size: number | undefined;
}

/** Reads each manifest once, however many snapshots list it (consecutive snapshots share most of theirs). */
export class TableFileIndex {
  private readonly manifests = new Map<string, Promise<TableFile[]>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly metadata: TableMetadata,
  ) {}

  /** Every file the snapshots need, by key. */
  async filesOf(snapshots: readonly Snapshot[]): Promise<Map<string, TableFile>> {
    const files = new Map<string, TableFile>();
    const lists = await mapConcurrently(snapshots, async (snapshot) => {
      const key = tableKeyOf(snapshot["manifest-list"], this.metadata.location);
      files.set(key, { key, kind: "manifest-list", size: undefined });
      return readManifestList(this.store, this.metadata, snapshot);
    });
    const distinct = new Map<string, ManifestFile>();
    for (const list of lists) for (const manifest of list) distinct.set(manifest.key, manifest);
    const contents = await mapConcurrently([...distinct.values()], (manifest) => this.liveFilesOf(manifest));
    for (const manifest of distinct.values()) files.set(manifest.key, { key: manifest.key, kind: "manifest", size: manifest.length || undefined });
    for (const content of contents) for (const file of content) files.set(file.key, file);
    return files;
  }

  private liveFilesOf(manifest: ManifestFile): Promise<TableFile[]> {
    let pending = this.manifests.get(manifest.key);
    if (!pending) {
      pending = readManifest(this.store, this.metadata, manifest).then((entries) =>
        entries
          .filter((entry) => entry.status !== EntryStatus.DELETED)
          .map((entry) => ({
            key: entry.file.key,
            kind: entry.file.content === FileContent.DATA ? ("data" as const) : ("deletes" as const),
            size: entry.file.fileSizeInBytes,
          })),
      );
      this.manifests.set(manifest.key, pending);
    }
    return pending;
  }
}
