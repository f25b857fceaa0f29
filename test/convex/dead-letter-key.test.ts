// The dead-letter-key policy: a key whose event was dead-lettered parks every later event of that
// key (across batches, chunks and the tail), and a re-drive after the fix applies them in order.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { componentDocuments, createConvexTest, runUntil } from "../support/convex";
import { eventIdAt, localDemoArchive } from "../support/demo-archive";
import { foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const bug = vi.hoisted(() => ({ failingEventId: null as string | null, invalidatingEventId: null as string | null }));

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withHandlerBug } = await import("../support/handler-bug.ts");
  return withHandlerBug(await importOriginal(), bug);
});

const ADMIN = { subject: "ops-1", role: "admin" };

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  bug.failingEventId = null;
});

let archive = "";
let events: ArchiveEvent[] = [];
/** The second event of the session whose events spread widest: its later events span many batches. */
let victim: ArchiveEvent;
let victimId = "";
/** The victim's session's events from the victim on, in position order. */
let parkedRun: ArchiveEvent[] = [];

beforeAll(async () => {
  archive = await localDemoArchive(6_000, 31);
  events = await readArchiveEvents(archive);
  const byStream = new Map<string, ArchiveEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  const widest = [...byStream.values()].sort(
    (a, b) => b.at(-1)!.position - b[1]!.position - (a.at(-1)!.position - a[1]!.position),
  )[0]!;
  victim = widest[1]!;
  victimId = await eventIdAt(archive, victim.position);
  parkedRun = widest.slice(1);
});

async function rebuildWithBug() {
  process.env.REPROJECT_ARCHIVE = archive;
  bug.failingEventId = victimId;
  const t = createConvexTest();
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, {
    projection: "sessionSummary",
    options: { errorPolicy: "dead-letter-key" },
  })) as { rebuildId: string };
  await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running");
  return { t, admin, rebuildId, status: (await admin.query(api.rebuilds.status, { rebuildId }))! };
}

async function sessionModel(t: ReturnType<typeof createConvexTest>, generation: number) {
  const docs = await generationDocuments(t, "sessionSummary", generation);
  return docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
}

describe("dead-letter-key", () => {
  it("parks every later event of the key whose event was dead-lettered, across batches, and no other key", async () => {
    const { t, admin, rebuildId, status } = await rebuildWithBug();
    expect(status.state).toBe("completed");
    expect(parkedRun.at(-1)!.position - victim.position).toBeGreaterThan(1_000);
    const letters = await admin.query(api.rebuilds.deadLetters, { rebuildId, limit: 500 });
    expect(letters.map(({ position, kind, reason }) => ({ position, kind, reason }))).toEqual(
      parkedRun.map((event, index) =>
        index === 0
          ? { position: event.position, kind: "handler_error", reason: expect.stringMatching(/TypeError/) }
          : { position: event.position, kind: "parked", reason: `parked behind ${victimId}` },
      ),
    );
    expect(status.counters).toMatchObject({
      found: events.length,
      applied: events.length - parkedRun.length,
      deadLettered: parkedRun.length,
    });
    const parked = new Set(parkedRun.map((event) => event.position));
    expect(await sessionModel(t, status.generation)).toEqual(
      foldSessionSummary(events.filter((event) => !parked.has(event.position))),
    );
    expect(await componentDocuments(t, "parkedKeys")).toMatchObject([
      { rebuildId, behind: victimId, pending: parkedRun.length },
    ]);
  });
});
