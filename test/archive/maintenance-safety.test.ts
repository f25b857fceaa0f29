// Compaction under failure and contention: a crash before or after the commit leaves a readable,
// correct table and orphan cleanup removes the leftovers only; an archiver append racing a
// compaction loses nothing, whichever commits first; of two compactions, one wins.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommitConflictError } from "../../src/archive/errors.ts";
import { cleanOrphans, compactTable, expireSnapshots } from "../../src/archive/maintenance/index.ts";
import type { ObjectStore } from "../../src/archive/store/object-store.ts";
import { appendToArchive, loadTableForWrite, metadataKey, VERSION_HINT_KEY } from "../../src/archive/writer/index.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";
import { tableRows } from "../support/archive-rows.ts";
import { localFragmentedArchive } from "../support/fragmented-archive.ts";

const EVENTS = 6_000;
const APPENDS = 40;

/** The store as a process sees it until it dies at `crashes(operation, key)`: that call and every later one fail. */
function dyingStore(store: ObjectStore, crashes: (operation: string, key: string) => boolean): ObjectStore {
  let dead = false;
  const guard = (operation: string, key: string) => {
    if (dead || crashes(operation, key)) {
      dead = true;
      throw new Error(`process killed (at ${operation} ${key})`);
    }
  };
  return {
    root: store.root,
    size: async (key) => (guard("size", key), store.size(key)),
    read: async (key, range) => (guard("read", key), store.read(key, range)),
    list: async (prefix) => (guard("list", prefix), store.list(prefix)),
    listObjects: async (prefix) => (guard("list", prefix), store.listObjects(prefix)),
    create: async (key, bytes) => (guard("create", key), store.create(key, bytes)),
    put: async (key, bytes) => {
      guard("put", key);
      await store.put(key, bytes);
      // Dies right after a put that `crashes` names with a "put-after" operation.
      if (crashes("put-after", key)) {
        dead = true;
        throw new Error(`process killed (after put ${key})`);
      }
    },
    delete: async (key) => (guard("delete", key), store.delete(key)),
  };
}

function filesOf(directory: string): Set<string> {
  return new Set(
    readdirSync(directory, { recursive: true, encoding: "utf8" }).filter((entry) =>
      /\.(parquet|avro|json|text)$/.test(entry),
    ),
  );
}

/** Events the archiver would append next: after the archive's positions, on its last day. */
function laterEvents(after: readonly EventRecord[], count: number): EventRecord[] {
  const last = after.at(-1)!;
  return Array.from({ length: count }, (_, index) => ({
    ...last,
    globalPosition: last.globalPosition + index + 1,
    eventId: `late-${index}`,
    occurredAtMs: last.occurredAtMs + index + 1,
  }));
}

const METADATA_FILE = /^metadata\/v\d+\.metadata\.json$/;

describe("a crash during compaction", () => {
  it("before the commit leaves the table as it was; orphan cleanup removes exactly what the compaction wrote", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const before = await tableRows(archive.directory);
    const filesBefore = filesOf(archive.directory);

    const crashing = dyingStore(archive.store, (operation, key) => operation === "create" && METADATA_FILE.test(key));
    await expect(compactTable(crashing)).rejects.toThrow(/process killed \(at create metadata\/v42\.metadata\.json\)/);

    expect((await loadTableForWrite(archive.store)).version).toBe(archive.table.version);
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
    const leftovers = [...filesOf(archive.directory)].filter((file) => !filesBefore.has(file)).sort();
    expect(leftovers.filter((file) => file.endsWith(".parquet")).length).toBeGreaterThan(0);
    expect(leftovers.filter((file) => file.endsWith(".avro"))).toHaveLength(3); // the new manifest, the rewritten one, the list

    const cleanup = await cleanOrphans(archive.store, { olderThanMs: Date.now() + 60_000 });
    expect(cleanup.orphans.map((orphan) => orphan.key)).toEqual(leftovers);
    expect(filesOf(archive.directory)).toEqual(filesBefore);
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
    // And a compaction after the crash goes through.
    expect((await compactTable(archive.store)).rowsWritten).toBe(EVENTS);
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
  });

  it("after the commit (before the version hint moved) leaves a correct table at either version, and no orphans", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const before = await tableRows(archive.directory);
    const filesBefore = filesOf(archive.directory);

    const crashing = dyingStore(archive.store, (operation, key) => operation === "put" && key === VERSION_HINT_KEY);
    await expect(compactTable(crashing)).rejects.toThrow(/process killed \(at put metadata\/version-hint\.text\)/);

    const committed = await loadTableForWrite(archive.store);
    expect(committed.version).toBe(archive.table.version + 1);
    // Readers that trust the hint see the version before; the committed one reads the same rows.
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
    expect((await tableRows(join(archive.directory, metadataKey(committed.version)))).rows).toEqual(before.rows);
    expect((await tableRows(join(archive.directory, metadataKey(committed.version)))).dataFiles).toBeLessThan(
      before.dataFiles,
    );

    const cleanup = await cleanOrphans(archive.store, { olderThanMs: Date.now() + 60_000 });
    expect(cleanup.orphans).toEqual([]);
    for (const file of filesBefore) expect(existsSync(join(archive.directory, file)), file).toBe(true);

    // The next commit moves the hint; expiring the pre-compaction snapshots then removes the old files.
    const expiry = await expireSnapshots(archive.store, { olderThanMs: Date.now() + 60_000 });
    expect(expiry.filesDeleted.data).toBe(before.dataFiles);
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
  });
});

describe("an archiver append racing a compaction", () => {
  it("when the append commits first, the compaction commits again on top of it: nothing lost, nothing duplicated", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const late = laterEvents(archive.records, 300);
    let appended = false;
    // The archiver commits while the compaction is about to commit.
    const racing: ObjectStore = Object.assign(Object.create(archive.store) as ObjectStore, {
      create: async (key: string, bytes: Uint8Array) => {
        if (!appended && METADATA_FILE.test(key)) {
          appended = true;
          await appendToArchive(archive.store, await loadTableForWrite(archive.store), envelope, late);
        }
        return archive.store.create(key, bytes);
      },
    });
    const before = await tableRows(archive.directory);

    const result = await compactTable(racing);
    expect(result.commitAttempts).toBe(2);
    expect(result.rowsWritten).toBe(EVENTS);
    const table = await loadTableForWrite(archive.store);
    expect(table.version).toBe(archive.table.version + 2);
    expect(table.metadata.snapshots.at(-1)!.summary.operation).toBe("replace");
    expect(table.metadata.snapshots.at(-2)!.summary.operation).toBe("append");
    const after = await tableRows(archive.directory);
    expect(after.rows).toHaveLength(EVENTS + late.length);
    expect(after.rows.slice(0, EVENTS)).toEqual(before.rows);
    expect(after.rows.slice(EVENTS).map((row) => (JSON.parse(row) as { event_id: string }).event_id)).toEqual(
      late.map((event) => event.eventId),
    );
  });

  it("when the compaction commits first, the append fails clearly and commits on retry: nothing lost", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const late = laterEvents(archive.records, 300);
    const archiverView = await loadTableForWrite(archive.store);
    await compactTable(archive.store);

    const error = await appendToArchive(archive.store, archiverView, envelope, late).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as Error).message).toMatch(
      /metadata\/v42\.metadata\.json: another writer committed table version 42 first; this append of 300 rows in 1 data file was not committed/,
    );
    await appendToArchive(archive.store, await loadTableForWrite(archive.store), envelope, late);
    const rows = await tableRows(archive.directory);
    expect(rows.rows).toHaveLength(EVENTS + late.length);
    expect(rows.rows.map((row) => (JSON.parse(row) as { global_position: number }).global_position)).toEqual(
      Array.from({ length: EVENTS + late.length }, (_, index) => index + 1),
    );
  });
});

describe("two compactions at once", () => {
  it("commit one rewrite; the other fails clearly and removes the files it wrote", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const before = await tableRows(archive.directory);
    const outcomes = await Promise.allSettled([compactTable(archive.store), compactTable(archive.store)]);
    const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(CommitConflictError);
    expect(lost[0]!.reason.message).toMatch(
      /files this replace rewrote are no longer in snapshot \d+ \(another writer rewrote or deleted them.*compaction gave up after 2 commit attempts; its new data files were removed/,
    );
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof compactTable>>>).value;
    const parquet = [...filesOf(join(archive.directory))].filter((file) => file.endsWith(".parquet"));
    expect(parquet).toHaveLength(before.dataFiles + winner.filesWritten);
    expect((await tableRows(archive.directory)).rows).toEqual(before.rows);
  });
});
