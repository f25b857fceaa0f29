import { randomUUID } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ArchiveError, ArchiveNotFoundError, CommitConflictError, CorruptArchiveError, ForeignPathError } from "../errors.ts";
import { normalizeKey, type ByteRange, type ObjectInfo, type ObjectStore } from "./object-store.ts";

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
    return (await this.listObjects(prefix)).map((object) => object.key);
  }

  async listObjects(prefix: string): Promise<ObjectInfo[]> {
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
    const objects: ObjectInfo[] = [];
    for (const entry of entries) {
      const key = base ? `${base}/${entry}` : entry;
      if (!key.startsWith(normalizedPrefix)) continue;
      const info = await stat(join(this.root, key)).catch((error: NodeJS.ErrnoException) => {
        // Deleted or renamed since the directory was read: not there any more.
        if (error.code === "ENOENT") return undefined;
        throw translate(error, join(this.root, key));
      });
      if (info?.isFile()) objects.push({ key, size: info.size, lastModified: info.mtimeMs });
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async create(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside, then hard-linked into place: link() fails if the name exists, and a reader never
    // sees a half-written metadata file of a commit in progress.
    const aside = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(aside, bytes, { flag: "wx" });
      await link(aside, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new CommitConflictError(path, "already exists: another writer committed first");
      }
      throw translate(error, path);
    } finally {
      await rm(aside, { force: true });
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside, then renamed over: a concurrent reader (of the version hint) never sees a half-written file.
    const aside = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(aside, bytes);
      await rename(aside, path);
    } catch (error) {
      await rm(aside, { force: true });
      throw translate(error, path);
    }
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
