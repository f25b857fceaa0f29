// Bad events in the archive under both error policies, and a handler bug fixed then resumed.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { EventRecord } from "../../src/registry/index.ts";
import { createConvexTest, inComponent, runUntil } from "../support/convex";
import { eventIdAt, localDemoArchive, tamperedDemoArchive } from "../support/demo-archive";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const bug = vi.hoisted(() => ({ failingEventId: null as string | null, invalidatingEventId: null as string | null }));

// A handler bug on demand: sessionSummary's handlers throw for one event id while `bug` says so.
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withHandlerBug } = await import("../support/handler-bug.ts");
  return withHandlerBug(await importOriginal(), bug);
});

const ADMIN = { subject: "ops-1", role: "admin" };

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  bug.failingEventId = null;
  bug.invalidatingEventId = null;
});

/** Positions (1-based) of the tampered events, far enough apart to land in different batches. */
const BAD = { badJson: 400, wrongField: 1_900, unknownVersion: 2_600, missingCdn: 3_300, unknownType: 3_700 };

function nthRebufferFrom(events: EventRecord[], from: number): EventRecord {
  return events.slice(from - 1).find((event) => event.eventType === "Rebuffer")!;
}

let tampered = "";
let tamperedEvents: ArchiveEvent[] = [];
const badPositions: number[] = [];

beforeAll(async () => {
  tampered = await tamperedDemoArchive(4_000, 21, (events) => {
    const badJson = nthRebufferFrom(events, BAD.badJson);
    badJson.payload = '{"durationMs": 12';
    const wrongField = nthRebufferFrom(events, BAD.wrongField);
    wrongField.eventVersion = 1;
    wrongField.payload = '{"durationSec": "slow"}';
    const unknownVersion = nthRebufferFrom(events, BAD.unknownVersion);
    unknownVersion.eventVersion = 7;
    const missingCdn = nthRebufferFrom(events, BAD.missingCdn);
    missingCdn.attributes = { ...missingCdn.attributes, cdn: null };
    events[BAD.unknownType - 1]!.eventType = "Heartbeat";
    badPositions.push(...[badJson, wrongField, unknownVersion, missingCdn].map((event) => event.globalPosition));
  });
  tamperedEvents = await readArchiveEvents(tampered);
});

async function rebuild(projection: string, options: object) {
  const t = createConvexTest();
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection, options })) as { rebuildId: string };
  await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running");
  return { t, admin, rebuildId, status: (await admin.query(api.rebuilds.status, { rebuildId }))! };
}

async function rebufferModel(t: ReturnType<typeof createConvexTest>, generation: number) {
  const docs = await generationDocuments(t, "rebufferByCdn", generation);
  return docs
    .map(({ cdn, device, rebufferCount, rebufferMs }) => ({ cdn, device, rebufferCount, rebufferMs }))
    .sort((a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device));
}

describe("bad events", () => {
  it("fail policy: the first bad event fails the rebuild with its id, position and reason; nothing of its batch is applied", async () => {
    process.env.REPROJECT_ARCHIVE = tampered;
    const { t, status } = await rebuild("rebufferByCdn", { errorPolicy: "fail" });
    expect(status.state).toBe("failed");
    const first = tamperedEvents.find((event) => event.position === badPositions[0])!;
    expect(status.lastError).toMatchObject({ position: first.position, eventType: "Rebuffer" });
    expect(status.lastError!.message).toMatch(
      new RegExp(`event .* at position ${first.position}\\) is invalid: .*JSON`),
    );
    // Committed batches are whole and end before the bad event; the active generation is untouched.
    expect(status.cursor ?? 0).toBeLessThan(first.position);
    const covered = tamperedEvents.filter((event) => event.position <= (status.cursor ?? 0));
    expect(await rebufferModel(t, status.generation)).toEqual(foldRebufferByCdn(covered));
    const row = await inComponent(t, (ctx) =>
      ctx.db
        .query("projections")
        .withIndex("by_name", (q) => q.eq("name", "rebufferByCdn"))
        .unique(),
    );
    expect(row!.activeGeneration).toBeNull();
  });

  it("dead-letter policy: every bad event is set aside with its reason and the rebuild completes", async () => {
    process.env.REPROJECT_ARCHIVE = tampered;
    const { t, admin, rebuildId, status } = await rebuild("rebufferByCdn", { errorPolicy: "dead-letter" });
    expect(status.state).toBe("completed");
    const letters = await admin.query(api.rebuilds.deadLetters, { rebuildId });
    expect(letters.map((letter) => letter.position).sort((a, b) => a - b)).toEqual(
      [...badPositions].sort((a, b) => a - b),
    );
    const reasons = Object.fromEntries(letters.map((letter) => [letter.position, letter.reason]));
    expect(reasons[badPositions[0]!]).toMatch(/JSON/);
    expect(reasons[badPositions[1]!]).toMatch(/durationSec/);
    expect(reasons[badPositions[2]!]).toMatch(/version 7/);
    expect(reasons[badPositions[3]!]).toMatch(/cdn/);
    const rebuffers = tamperedEvents.filter((event) => event.type === "Rebuffer").length;
    expect(status.counters).toMatchObject({
      found: tamperedEvents.length,
      applied: rebuffers - 4,
      invalid: 4,
      deadLettered: 4,
      failed: 0,
      skipped: tamperedEvents.length - rebuffers,
    });
    const good = tamperedEvents.filter((event) => !badPositions.includes(event.position));
    expect(await rebufferModel(t, status.generation)).toEqual(foldRebufferByCdn(good));
  });
});

describe("a handler bug", () => {
  it("fails the rebuild; after the fix, resume completes identical to a clean run", async () => {
    const archive = await localDemoArchive(5_000, 22);
    process.env.REPROJECT_ARCHIVE = archive;
    const events = await readArchiveEvents(archive);
    const victim = events[3_210]!;
    bug.failingEventId = await eventIdAt(archive, victim.position);
    const { t, admin, rebuildId, status } = await rebuild("sessionSummary", {});
    expect(status.state).toBe("failed");
    expect(status.lastError).toMatchObject({ position: victim.position, eventId: bug.failingEventId });
    expect(status.lastError!.message).toMatch(/failed in its handler: TypeError: Cannot read properties of undefined/);

    bug.failingEventId = null;
    expect(await admin.mutation(api.rebuilds.resume, { rebuildId })).toMatchObject({ status: "resumed" });
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
    const done = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(done.counters).toMatchObject({ found: events.length, failed: 0, invalid: 0 });
    const docs = await generationDocuments(t, "sessionSummary", done.generation);
    const model = docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
    expect(model).toEqual(foldSessionSummary(events));
  });
});

describe("a handler that leaves a document invalid", () => {
  /** A demo archive whose 2,346th event makes the handlers leave its session's document invalid. */
  async function invalidatingOneEvent() {
    const archive = await localDemoArchive(5_000, 23);
    process.env.REPROJECT_ARCHIVE = archive;
    const events = await readArchiveEvents(archive);
    const victim = events[2_345]!;
    bug.invalidatingEventId = await eventIdAt(archive, victim.position);
    return { events, victim };
  }

  it("dead-letter policy: the event that left it invalid is set aside, the rest of its batch applied, and the rebuild completes", async () => {
    const { events, victim } = await invalidatingOneEvent();
    const { t, admin, rebuildId, status } = await rebuild("sessionSummary", { errorPolicy: "dead-letter" });
    expect(status.state).toBe("completed");
    const letters = await admin.query(api.rebuilds.deadLetters, { rebuildId });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ position: victim.position, eventId: bug.invalidatingEventId });
    expect(letters[0]!.reason).toMatch(/read-model document .* is invalid: document.errorCount: Too small/);
    expect(status.counters).toMatchObject({
      found: events.length,
      applied: events.length - 1,
      failed: 1,
      deadLettered: 1,
    });
    const docs = await generationDocuments(t, "sessionSummary", status.generation);
    const model = docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
    expect(model).toEqual(foldSessionSummary(events.filter((event) => event.position !== victim.position)));
  });

  it("fail policy: the rebuild fails naming the event that left the document invalid, not a later one of its session", async () => {
    const { events, victim } = await invalidatingOneEvent();
    const { status } = await rebuild("sessionSummary", { errorPolicy: "fail" });
    expect(status.state).toBe("failed");
    expect(status.lastError).toMatchObject({ position: victim.position, eventId: bug.invalidatingEventId });
    expect(status.lastError!.message).toMatch(/read-model document .* is invalid: document.errorCount: Too small/);
  });
});

describe("a corrupt archive file", () => {
  it("fails the rebuild at once with the file and the problem, applying nothing of the bad slice", async () => {
    const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { ArchiveTable } = await import("../../src/archive/table.ts");
    const source = await localDemoArchive(5_000, 23);
    const copy = join(mkdtempSync(join(tmpdir(), "reproject-corrupt-")), "events");
    cpSync(source, copy, { recursive: true });
    const plan = (await (
      await ArchiveTable.open(copy)
    ).plan({ columns: ["global_position"], orderBy: "global_position" }))!;
    const victim = plan.slices[Math.floor(plan.slices.length / 2)]!;
    const file = join(copy, victim.key);
    const bytes = readFileSync(file);
    for (let offset = 8; offset < Math.min(bytes.length / 2, 400); offset++) bytes[offset] = bytes[offset]! ^ 0x5a;
    writeFileSync(file, bytes);
    process.env.REPROJECT_ARCHIVE = copy;

    const { t, status } = await rebuild("sessionSummary", {});
    expect(status.state).toBe("failed");
    expect(status.lastError!.message).toContain(victim.key);
    expect(status.lastError!.message).toMatch(/cannot be decoded|not a readable Parquet file/);
    expect(status.counters.retried).toBe(0);
    expect(status.cursor ?? 0).toBeLessThan(Number(victim.orderLower));
    const row = await inComponent(t, (ctx) =>
      ctx.db
        .query("projections")
        .withIndex("by_name", (q) => q.eq("name", "sessionSummary"))
        .unique(),
    );
    expect(row!.activeGeneration).toBeNull();
  });
});
