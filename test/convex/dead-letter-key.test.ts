// The dead-letter-key policy: a key whose event was dead-lettered parks every later event of that
// key (across batches, chunks and the tail), and a re-drive after the fix applies them in order.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { componentDocuments, createConvexTest, runUntil } from "../support/convex";
import { eventIdAt, localDemoArchive, tamperedDemoArchive } from "../support/demo-archive";
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

/** Rebuilds sessionSummary from `location` while its handler throws for `failingEventId`. */
async function rebuildWithBug(
  errorPolicy: "dead-letter-key" | "dead-letter" = "dead-letter-key",
  location = archive,
  failingEventId = victimId,
) {
  process.env.REPROJECT_ARCHIVE = location;
  bug.failingEventId = failingEventId;
  const t = createConvexTest();
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, {
    projection: "sessionSummary",
    options: { errorPolicy },
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

describe("re-driving dead letters after a fix", () => {
  async function redriven(t: ReturnType<typeof createConvexTest>, rebuildId: string) {
    const admin = t.withIdentity(ADMIN);
    await runUntil(t, async () => (await admin.query(api.rebuilds.redrives, { rebuildId }))[0]?.state !== "running");
    return (await admin.query(api.rebuilds.redrives, { rebuildId }))[0]!;
  }

  it("applies the letters in order into the generation, exactly once, giving the read model of a clean rebuild", async () => {
    const { t, admin, rebuildId, status } = await rebuildWithBug();
    bug.failingEventId = null; // the fix is deployed
    const first = await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    expect(first).toMatchObject({ status: "started" });
    expect(await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId })).toEqual({
      status: "already_running",
      redriveId: (first as { redriveId: string }).redriveId,
    });
    const redrive = await redriven(t, rebuildId);
    expect(redrive).toMatchObject({ state: "completed", applied: parkedRun.length, failedAgain: 0 });
    expect(await sessionModel(t, status.generation)).toEqual(foldSessionSummary(events));
    expect(await componentDocuments(t, "parkedKeys")).toEqual([]);

    // A batch run again (a stale cursor) and a re-drive asked again apply nothing twice.
    await t.mutation(internal.reproject.redriveBatch, { redriveId: redrive._id, expectedCursor: null });
    expect(await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId })).toMatchObject({
      status: "nothing_pending",
    });
    expect(await sessionModel(t, status.generation)).toEqual(foldSessionSummary(events));
    const audit = await admin.query(api.rebuilds.auditLog, {});
    expect(audit.find((entry) => entry.action === "dead_letters_redriven")).toMatchObject({
      outcome: "completed",
      rebuildId,
      details: `applied ${parkedRun.length}, still dead-lettered 0`,
    });
  });

  it("stops a key at its first letter that fails again, which keeps the new reason and the key parked", async () => {
    const { t, admin, rebuildId, status } = await rebuildWithBug();
    const stubborn = parkedRun[2]!;
    const stubbornId = await eventIdAt(archive, stubborn.position);
    bug.failingEventId = stubbornId; // a fix that fixes the first bug only
    await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    expect(await redriven(t, rebuildId)).toMatchObject({
      state: "completed",
      applied: 2,
      failedAgain: parkedRun.length - 2,
    });
    const letters = await admin.query(api.rebuilds.deadLetters, { rebuildId, limit: 500 });
    const pending = letters.filter((letter) => letter.redrivenAt === undefined);
    expect(pending.map(({ position, kind, reason }) => ({ position, kind, reason }))).toEqual(
      parkedRun
        .slice(2)
        .map((event, index) =>
          index === 0
            ? { position: event.position, kind: "handler_error", reason: expect.stringMatching(/TypeError/) }
            : { position: event.position, kind: "parked", reason: `parked behind ${stubbornId}` },
        ),
    );
    expect(await componentDocuments(t, "parkedKeys")).toMatchObject([
      { behind: stubbornId, pending: parkedRun.length - 2 },
    ]);
    const applied = new Set(parkedRun.slice(2).map((event) => event.position));
    expect(await sessionModel(t, status.generation)).toEqual(
      foldSessionSummary(events.filter((event) => !applied.has(event.position))),
    );

    bug.failingEventId = null;
    await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    await runUntil(
      t,
      async () => (await admin.query(api.rebuilds.redrives, { rebuildId }))[0]?.applied === parkedRun.length - 2,
    );
    expect(await sessionModel(t, status.generation)).toEqual(foldSessionSummary(events));
  });

  it("dead-letters a live append to a parked key behind its letter, applies the others, and re-drives it in order", async () => {
    const { t, admin, rebuildId, status } = await rebuildWithBug();
    const last = events.at(-1)!;
    await t.mutation(internal.reproject.startLog, { archiveHighWaterMark: last.position });
    const live = [victim.streamId, events[0]!.streamId].map((streamId, index) => ({
      eventId: `live-${index}`,
      eventType: "Pause",
      eventVersion: 1,
      occurredAtMs: last.occurredAtMs + 1_000 * (index + 1),
      streamId,
      attributes: { cdn: "CDN1", device: "Android" },
      payload: "{}",
    }));
    await t.mutation(internal.reproject.append, { events: live });
    const appended = live.map((event, index) => ({
      position: last.position + index + 1,
      type: event.eventType,
      version: 1,
      occurredAtMs: event.occurredAtMs,
      streamId: event.streamId,
      cdn: "CDN1",
      device: "Android",
      payload: "{}",
    }));
    const parked = new Set(parkedRun.map((event) => event.position));
    expect(await sessionModel(t, status.generation)).toEqual(
      foldSessionSummary([...events.filter((event) => !parked.has(event.position)), appended[1]!]),
    );
    const letters = await admin.query(api.rebuilds.deadLetters, { rebuildId, limit: 500 });
    expect(letters.at(-1)).toMatchObject({ eventId: "live-0", kind: "parked", reason: `parked behind ${victimId}` });

    bug.failingEventId = null;
    await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    expect(await redriven(t, rebuildId)).toMatchObject({ state: "completed", applied: parkedRun.length + 1 });
    expect(await sessionModel(t, status.generation)).toEqual(foldSessionSummary([...events, ...appended]));
  });

  it("re-drives more letters than a batch holds in chained batches, each once", async () => {
    // Every 4th event from position 100 on joins one long session: its bug parks ~1,500 events.
    const long = await tamperedDemoArchive(6_000, 32, (records) => {
      for (const record of records)
        if (record.globalPosition >= 100 && record.globalPosition % 4 === 0) record.streamId = "long-session";
    });
    const longEvents = await readArchiveEvents(long);
    const session = longEvents.filter((event) => event.streamId === "long-session");
    const { t, admin, rebuildId, status } = await rebuildWithBug(
      "dead-letter-key",
      long,
      await eventIdAt(long, session[0]!.position),
    );
    expect(status.counters.deadLettered).toBe(session.length);
    expect(session.length).toBeGreaterThan(1_000);

    bug.failingEventId = null;
    await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    expect(await redriven(t, rebuildId)).toMatchObject({ state: "completed", applied: session.length, failedAgain: 0 });
    expect(await sessionModel(t, status.generation)).toEqual(foldSessionSummary(longEvents));
  });

  it("refuses the letters of a dead-letter rebuild: they would fold after the later events of their document", async () => {
    const { admin, rebuildId } = await rebuildWithBug("dead-letter");
    const answer = await admin.mutation(api.rebuilds.redriveDeadLetters, { rebuildId });
    expect(answer).toMatchObject({ status: "rejected" });
    expect((answer as { reason: string }).reason).toMatch(/re-drive needs "dead-letter-key".*out of order/);
  });
});
