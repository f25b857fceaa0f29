import { mkdir, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ArchiveError, ArchiveNotFoundError, CommitConflictError, CorruptArchiveError, ForeignPathError } from "../errors.ts";
import { normalizeKey, type ByteRange, type ObjectStore } from "./object-store.ts";

/** A table on the local file system, rooted at a directory. */
export class LocalObjectStore implements ObjectStore {
  readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  private pathOf(key: string): string {
    const normalized = normalizeKey(key);
    if (normalized === null) throw new ForeignPathError(key, `escapes the table directory ${this.root}`);
    return join(this.root, normalized);
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      throw translate(error, this.pathOf(key));
    }
  }

  async read(key: string, range?: ByteRange): Promise<Uint8Array> {
    const path = this.pathOf(key);
    try {
      if (!range) return new Uint8Array(await readFile(path));
      const handle = await open(path, "r");
      try {
        const bytes = new Uint8Array(range.end - range.start);
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, range.start);
        if (bytesRead !== bytes.length) {
          throw new CorruptArchiveError(
            path,
            `is truncated: wanted bytes ${range.start}-${range.end - 1} but the file ends at byte ${range.start + bytesRead}`,
          );
        }
        return bytes;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw translate(error, path);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const normalizedPrefix = normalizeKey(prefix) ?? "";
    // List the deepest directory the prefix names, then filter by the rest of it.
    const directory = prefix.endsWith("/") ? normalizedPrefix : dirname(normalizedPrefix);
    const base = directory === "." ? "" : directory;
    let entries: string[];
    try {
      entries = await readdir(join(this.root, base), { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw translate(error, join(this.root, base));
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const key = base ? `${base}/${entry}` : entry;
      if (!key.startsWith(normalizedPrefix)) continue;
      const info = await stat(join(this.root, key));
      if (info.isFile()) keys.push(key);
    }
    return keys.sort();
  }

  async create(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, bytes, { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new CommitConflictError(path, "already exists: another writer committed first");
      }
      throw translate(error, path);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

function translate(error: unknown, path: string): Error {
  if (error instanceof ArchiveError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ArchiveNotFoundError(path, "no such file");
  if (code === "EISDIR") return new ArchiveNotFoundError(path, "is a directory, not a file");
  return new ArchiveError(path, (error as Error).message, { cause: error });
}
