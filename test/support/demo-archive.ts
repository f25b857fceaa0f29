import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, vi } from "vitest";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { liveEventOf } from "../../src/local/demo/live-events.ts";
import { appendToArchive, createEventArchive } from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { generateDemoArchive } from "../../src/local/demo/generate-demo-archive.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";
import { readArchiveEvents, type ArchiveEvent } from "./demo-fold.ts";

const cache = new Map<string, Promise<string>>();

/** A demo archive on the local file system, generated once per (events, seed) in this test process. */
export function localDemoArchive(events: number, seed = 1): Promise<string> {
  const key = `${events}:${seed}`;
  let pending = cache.get(key);
  if (!pending) {
    const dir = join(mkdtempSync(join(tmpdir(), "reproject-demo-")), "events");
    pending = generateDemoArchive(new LocalObjectStore(dir), { events, seed }).then(() => dir);
    cache.set(key, pending);
  }
  return pending;
}

/** A demo archive written from `events` after `tamper` changed some of them (for error tests). */
export async function tamperedDemoArchive(
  events: number,
  seed: number,
  tamper: (events: EventRecord[]) => void,
): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), "reproject-tampered-")), "events");
  const store = new LocalObjectStore(dir);
  const records = [...demoEvents({ events, seed })];
  tamper(records);
  await appendToArchive(store, await createEventArchive(store, envelope), envelope, records);
  return dir;
}

/**
 * The demo's first `archived` events as an archive, and the rest as live events to append (the
 * events table continues the archive's positions).
 */
export async function splitDemoHistory(total: number, archived: number, seed: number) {
  const records = [...demoEvents({ events: total, seed })];
  const dir = join(mkdtempSync(join(tmpdir(), "reproject-split-")), "events");
  const store = new LocalObjectStore(dir);
  await appendToArchive(store, await createEventArchive(store, envelope), envelope, records.slice(0, archived));
  const live = records.slice(archived).map(liveEventOf);
  return { archive: dir, live, all: records };
}

export type SplitDemoHistory = Awaited<ReturnType<typeof splitDemoHistory>>;

/**
 * For a suite of rebuilds over a split demo history with one batch per chunk (so that appends,
 * controls and crashes fall between chunks) on fake timers: registers its hooks and returns the
 * history, filled in before the first test.
 */
export function useSplitDemoHistory(total: number, archived: number, seed: number): SplitDemoHistory {
  const history = {} as SplitDemoHistory;
  beforeAll(async () => {
    Object.assign(history, await splitDemoHistory(total, archived, seed));
  });
  beforeEach(() => {
    vi.useFakeTimers();
    process.env.REPROJECT_ARCHIVE = history.archive;
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
  });
  afterEach(() => {
    vi.useRealTimers();
    delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
  });
  return history;
}

/**
 * For a suite of rebuilds over one demo archive on fake timers: registers its hooks and returns the
 * archive's location and events, filled in before the first test; `env` is set for each test.
 */
export function useDemoArchive(size: number, seed: number, env: Record<string, string> = {}) {
  const archive = { location: "", events: [] as ArchiveEvent[] };
  beforeAll(async () => {
    archive.location = await localDemoArchive(size, seed);
    archive.events = await readArchiveEvents(archive.location);
  });
  beforeEach(() => {
    vi.useFakeTimers();
    Object.assign(process.env, { REPROJECT_ARCHIVE: archive.location, ...env });
  });
  afterEach(() => {
    vi.useRealTimers();
    for (const name of Object.keys(env)) delete process.env[name];
  });
  return archive;
}

/** The event id at `position` in an archive. */
export async function eventIdAt(location: string, position: number): Promise<string> {
  const { ArchiveTable } = await import("../../src/archive/table.ts");
  const table = await ArchiveTable.open(location);
  const plan = (await table.plan({
    columns: ["global_position", "event_id"],
    predicate: [{ column: "global_position", op: "in", values: [position] }],
  }))!;
  for await (const batch of table.scan(plan)) if (batch.rowCount > 0) return batch.columns.event_id![0] as string;
  throw new Error(`no event at position ${position}`);
}
