// A plan of thousands of data files (years of small appends before compaction): stored in pages
// that each stay far below Convex's 1 MiB document limit, read page by page by the chunks, with
// the exact total.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { componentDocuments, createConvexTest, runUntil } from "../support/convex";
import { archiveEventsOf, foldSessionSummary, type ArchiveEvent } from "../support/demo-fold";
import { localManyFileArchive, type ManyFileArchive } from "../support/many-file-archive";
import { generationDocuments } from "../support/read-model";

const ADMIN = { subject: "ops-1", role: "admin" };
/** A quarter of Convex's 1 MiB document limit: what any one stored plan document must stay under. */
const PLAN_DOCUMENT_BOUND = 256 * 1024;
type T = ReturnType<typeof createConvexTest>;

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
});

async function rebuild(t: T, projection: string, options: object = {}) {
  const admin = t.withIdentity(ADMIN);
  const answer = (await admin.mutation(api.rebuilds.trigger, { projection, options })) as { rebuildId: string };
  const status = async () => (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
  await runUntil(t, async () => (await status()).state !== "running");
  return status();
}

/** Bytes of the largest document of a table of the component, as stored (JSON of its fields). */
async function largestDocument(t: T, table: "rebuildPlans" | "rebuildPlanPages"): Promise<number> {
  const documents = await componentDocuments(t, table);
  return Math.max(0, ...documents.map((document) => JSON.stringify(document).length));
}

function bySessionId<Row extends { streamId: string }>(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => a.streamId.localeCompare(b.streamId));
}

describe("a plan of 3,000 data files", () => {
  let archive: ManyFileArchive;
  let events: ArchiveEvent[];
  beforeAll(async () => {
    archive = await localManyFileArchive({ files: 3_000, eventsPerFile: 2, filesPerAppend: 250 });
    events = archiveEventsOf(archive.records);
  }, 120_000);

  it("is stored in pages that each stay under 256 KiB, and a rebuild in many chunks reads them all with the exact total", async () => {
    process.env.REPROJECT_ARCHIVE = archive.directory;
    // Many chunks, so that chunks start in the middle of the plan and load the page their cursor is in.
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "2";
    const t = createConvexTest();
    const status = await rebuild(t, "sessionSummary");
    expect(archive.dataFiles).toBeGreaterThanOrEqual(3_000);
    expect(await largestDocument(t, "rebuildPlans")).toBeLessThan(PLAN_DOCUMENT_BOUND);
    expect(await largestDocument(t, "rebuildPlanPages")).toBeLessThan(PLAN_DOCUMENT_BOUND);
    expect((await componentDocuments(t, "rebuildPlanPages")).length).toBeGreaterThan(1);
    expect(status).toMatchObject({ state: "completed", total: events.length, processed: events.length });
    expect(status.pruning).toMatchObject({ dataFiles: archive.dataFiles, dataFilesSkipped: 0 });
    expect(status.counters).toMatchObject({ found: events.length, failed: 0 });
    const model = bySessionId(await generationDocuments(t, "sessionSummary", status.generation));
    expect(model).toEqual(foldSessionSummary(events));
  }, 300_000);

  it("filtered, it reads the footers it prunes by and keeps the total exact", async () => {
    process.env.REPROJECT_ARCHIVE = archive.directory;
    const t = createConvexTest();
    const status = await rebuild(t, "sessionSummary", { filter: { eventTypes: ["Error"] }, target: "errors" });
    const errors = events.filter((event) => event.type === "Error");
    expect(await largestDocument(t, "rebuildPlanPages")).toBeLessThan(PLAN_DOCUMENT_BOUND);
    expect(status.state).toBe("completed");
    expect(status.processed).toBe(status.total);
    // Row-group statistics pruned the files without an Error; what is left is read and counted exactly.
    expect(status.pruning!.dataFilesSkipped).toBeGreaterThan(0);
    expect(status.counters).toMatchObject({ applied: errors.length, filtered: status.total! - errors.length });
    const model = bySessionId(await generationDocuments(t, "sessionSummary", status.generation));
    expect(model).toEqual(foldSessionSummary(errors));
  }, 300_000);
});
