// Every archive read and write goes through this interface; keys are relative to the table root
// (`metadata/v3.metadata.json`, `data/day=2026-01-01/00000.parquet`).

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, exclusive. */
  end: number;
}

export interface ObjectInfo {
  /** Relative to the root, as `list` returns it. */
  key: string;
  size: number;
  /** Epoch milliseconds of the last write. */
  lastModified: number;
}

export interface ObjectStore {
  /** Where the root is, for messages: `/abs/dir` or `s3://bucket/prefix`. */
  readonly root: string;
  /** Size in bytes; ArchiveNotFoundError when the object does not exist. */
  size(key: string): Promise<number>;
  /** The whole object, or `range` of it; ArchiveNotFoundError when the object does not exist. */
  read(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Keys under `prefix` (relative to the root), in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** Like `list`, with each object's size and last-modified time (what orphan cleanup needs to spare fresh writes). */
  listObjects(prefix: string): Promise<ObjectInfo[]>;
  /** Creates `key`; CommitConflictError if it exists already. Never overwrites. */
  create(key: string, bytes: Uint8Array): Promise<void>;
  /** Writes `key`, replacing any previous content (for data files with unique names and hint files). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Joins a root-relative key, refusing keys that would leave the root. */
export function normalizeKey(key: string): string | null {
  const parts: string[] = [];
  for (const part of key.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join("/");
}
