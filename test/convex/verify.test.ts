// Verify runs: a shadow generation diffed with the active one, without swapping.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { appFunctions } from "../../src/server/app-functions.ts";
import { reproject } from "../../convex/reproject";
import { diffingFrom } from "../../src/component/verify.ts";
import { getDocumentSize } from "convex/values";
import { VERIFY_SAMPLE_LIMIT } from "../../src/component/validators.ts";
import { startDiffing } from "../../src/component/verify.ts";
import { SAMPLE_MAX_BYTES } from "../../src/replay/diff-sample.ts";
import { VERIFY_DIFF_BATCH } from "../../src/server/functions/read-models.ts";
import { createConvexTest, inComponent, runUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { storedDocument } from "../support/read-model";
import { rebuildRow } from "../support/rebuild-row";

const code = vi.hoisted(() => ({ countErrorsTwice: false }));

// A handler change on demand (Error events counted twice), and `lastAt` ignored by verify runs.
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const errorRoute = original.sessionSummary.routes.get("Error")!;
  const routes = new Map(original.sessionSummary.routes);
  routes.set("Error", {
    ...errorRoute,
    handle: async (ctx, event) => {
      await errorRoute.handle(ctx, event);
      if (code.countErrorsTwice) {
        await ctx.readModel.update({ streamId: event.streamId }, (doc) => ({ ...doc, errorCount: doc.errorCount + 1 }));
      }
    },
  });
  const sessionSummary = {
    ...original.sessionSummary,
    routes,
    readModel: { ...original.sessionSummary.readModel, verifyIgnores: ["lastAt"] },
  };
  return { ...original, sessionSummary, registry: defineRegistry([original.rebufferByCdn, sessionSummary]) };
});

const ADMIN = { subject: "ops-1", role: "admin" };
let events: ArchiveEvent[] = [];

beforeAll(async () => {
  process.env.REPROJECT_ARCHIVE = await localDemoArchive(5_000, 71);
  events = await readArchiveEvents(process.env.REPROJECT_ARCHIVE);
});
beforeEach(() => {
  vi.useFakeTimers();
  code.countErrorsTwice = false;
});
afterEach(() => vi.useRealTimers());

type T = ReturnType<typeof createConvexTest>;

async function run(t: T, options: object) {
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary", options })) as {
    rebuildId: string;
  };
  await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running");
  return (await admin.query(api.rebuilds.status, { rebuildId }))!;
}

const summaryRow = (ctx: Parameters<Parameters<typeof inComponent>[1]>[0]) =>
  ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", "sessionSummary"))
    .unique();

const generationDocs = (t: T, generation: number) =>
  t.run(async (ctx) => (await ctx.db.query("sessionSummary").collect()).filter((doc) => doc.generation === generation));

/** A verify run of generation 2 against generation 1 whose tail is applied (diffing), and the app's functions it has been given. */
async function diffingVerifyRun(t: T) {
  const app = await t.run(() => appFunctions(reproject.wiring));
  return inComponent(t, async (ctx) => {
    await ctx.db.insert("appFunctions", app);
    const projectionId = await ctx.db.insert("projections", {
      name: "sessionSummary",
      version: 1,
      activeGeneration: 1,
      lastGeneration: 2,
    });
    const rebuildId = await ctx.db.insert(
      "rebuilds",
      rebuildRow({ projection: "sessionSummary", generation: 2, state: "running", phase: "tail", mode: "verify" }),
    );
    await startDiffing(ctx, (await ctx.db.get(rebuildId))!, 1, projectionId);
    return rebuildId;
  });
}

describe("verify runs", () => {
  it("find no difference right after a clean rebuild, and discard their shadow", async () => {
    const t = createConvexTest();
    const built = await run(t, {});
    const verified = await run(t, { mode: "verify" });
    expect(verified.verify).toMatchObject({
      activeGeneration: built.generation,
      changed: 0,
      onlyInActive: 0,
      onlyInShadow: 0,
      shadow: "discarded",
    });
    expect(verified.verify!.compared).toBe(foldSessionSummary(events).length);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 1_000);
    expect(await generationDocs(t, verified.generation)).toEqual([]);
    const row = await inComponent(t, summaryRow);
    expect(row).toMatchObject({ activeGeneration: built.generation });
    expect(row!.shadowGeneration).toBeUndefined();
  });

  it("report exactly the documents tampered with, and the changed fields, ignoring declared fields", async () => {
    const t = createConvexTest();
    const built = await run(t, {});
    const docs = (await generationDocs(t, built.generation)).sort((a, b) => a.key.localeCompare(b.key));
    const [changed, removed, ignoredOnly] = [docs[3]!, docs[10]!, docs[20]!];
    await t.run(async (ctx) => {
      await ctx.db.patch(changed._id, {
        document: {
          ...changed.document,
          eventCount: changed.document.eventCount + 5,
          errorCount: changed.document.errorCount + 1,
        },
      });
      await ctx.db.delete(removed._id);
      await ctx.db.patch(ignoredOnly._id, {
        document: { ...ignoredOnly.document, lastAt: "2099-01-01T00:00:00.000Z" },
      });
      const { generation, document } = docs[0]!;
      await ctx.db.insert(
        "sessionSummary",
        storedDocument(generation, "zz-invented", { ...document, streamId: "zz-invented" }),
      );
    });
    const verified = await run(t, { mode: "verify" });
    expect(verified.verify).toMatchObject({ changed: 1, onlyInActive: 1, onlyInShadow: 1 });
    const samples = verified.verify!.samples.map((sample) => [sample.key, sample.kind, sample.fields ?? []]);
    expect(samples.sort()).toEqual(
      [
        [changed.key, "changed", ["errorCount", "eventCount"]],
        [removed.key, "only_in_shadow", []],
        ["zz-invented", "only_in_active", []],
      ].sort(),
    );
  });

  it("show what a handler change would change; promote swaps it in, discard leaves the active generation alone", async () => {
    const t = createConvexTest();
    const built = await run(t, {});
    const sessionsWithErrors = foldSessionSummary(events).filter((session) => session.errorCount > 0);
    code.countErrorsTwice = true;

    const discarded = await run(t, { mode: "verify", keepShadow: true });
    expect(discarded.verify).toMatchObject({
      changed: sessionsWithErrors.length,
      onlyInActive: 0,
      onlyInShadow: 0,
      shadow: "kept",
    });
    expect(new Set(discarded.verify!.samples.map((sample) => sample.fields!.join()))).toEqual(new Set(["errorCount"]));
    expect(
      await t.withIdentity(ADMIN).mutation(api.rebuilds.discard, { rebuildId: discarded.rebuildId }),
    ).toMatchObject({ status: "discarded" });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 1_000);
    expect(await generationDocs(t, discarded.generation)).toEqual([]);

    const kept = await run(t, { mode: "verify", keepShadow: true });
    expect(await t.withIdentity(ADMIN).mutation(api.rebuilds.promote, { rebuildId: kept.rebuildId })).toMatchObject({
      status: "promoted",
    });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 1_000);
    const row = await inComponent(t, summaryRow);
    expect(row!.activeGeneration).toBe(kept.generation);
    expect(await generationDocs(t, built.generation)).toEqual([]);
    const promoted = await generationDocs(t, kept.generation);
    const doubled = new Map(sessionsWithErrors.map((session) => [session.streamId, session.errorCount * 2]));
    for (const { document: doc } of promoted)
      if (doubled.has(doc.streamId)) expect(doc.errorCount).toBe(doubled.get(doc.streamId));
    const audit = (await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {})).map((entry) => [
      entry.action,
      entry.outcome,
    ]);
    expect(audit).toContainEqual(["promote", "promoted"]);
    expect(audit).toContainEqual(["discard", "discarded"]);
  });

  it("stop live appends writing into the shadow of a run that failed while diffing once a new rebuild deletes it", async () => {
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, {});
    const first = await run(t, {});
    expect(first.state).toBe("completed");
    // A verify run that failed while diffing (its chunk failed after its retries): its shadow,
    // generation 2, still receives live appends, so that resuming it compares a current shadow.
    const app = await t.run(() => appFunctions(reproject.wiring));
    const failedId = await inComponent(t, async (ctx) => {
      const row = (await summaryRow(ctx))!;
      await ctx.db.patch(row._id, { lastGeneration: 2, shadowGeneration: 2 });
      const id = await ctx.db.insert("rebuilds", {
        ...rebuildRow({ projection: "sessionSummary", generation: 2, state: "failed", phase: "diffing", mode: "verify" }),
        verify: diffingFrom(1),
        lastError: { message: "chunk failed after its retries: S3 unreachable", at: 0 },
      });
      await ctx.db.insert("appFunctions", app);
      return id;
    });
    const liveEvent = (eventId: string) => ({
      eventId,
      eventType: "Play",
      eventVersion: 1,
      occurredAtMs: Date.now(),
      streamId: "live-session",
      attributes: { cdn: "CDN1", device: "Android", country: "FR" },
      payload: {},
    });
    await t.mutation(internal.reproject.append, { events: [liveEvent("before-supersede")] });
    expect((await generationDocs(t, 2)).map((doc) => doc.document.streamId)).toEqual(["live-session"]);

    // A new rebuild supersedes it: the shadow pointer is gone before its generation is deleted.
    const replacing = await run(t, {});
    expect(replacing.state).toBe("completed");
    const superseded = (await inComponent(t, (ctx) => ctx.db.get(failedId)))!;
    expect(superseded.state).toBe("cancelled");
    const row = await inComponent(t, summaryRow);
    expect(row!.shadowGeneration).toBeUndefined();
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    await t.mutation(internal.reproject.append, { events: [liveEvent("after-supersede")] });
    expect(await generationDocs(t, 2)).toEqual([]);
    expect(
      (await generationDocs(t, replacing.generation)).some((doc) => doc.document.streamId === "live-session"),
    ).toBe(true);
  });

  it("diff generations larger than one transaction may read, in windows", async () => {
    const size = VERIFY_DIFF_BATCH * 2 + 300;
    const t = createConvexTest({ documentsRead: VERIFY_DIFF_BATCH * 2 + 50 });
    const doc = (i: number, eventCount = 1) => ({
      streamId: `s${String(i).padStart(5, "0")}`,
      eventCount,
      rebufferCount: 0,
      errorCount: 0,
      firstAt: "2025-01-01T00:00:00.000Z",
      lastAt: "2025-01-01T00:00:00.000Z",
    });
    for (let offset = 0; offset < size; offset += 500) {
      await t.run(async (ctx) => {
        for (let i = offset; i < Math.min(size, offset + 500); i++) {
          if (i % 97 !== 0) await ctx.db.insert("sessionSummary", storedDocument(1, doc(i).streamId, doc(i)));
          await ctx.db.insert("sessionSummary", storedDocument(2, doc(i).streamId, doc(i, i % 101 === 0 ? 2 : 1)));
        }
      });
    }
    const rebuildId = await diffingVerifyRun(t);
    let windows = 0;
    for (let done = false; !done; windows++) ({ done } = await t.mutation(internal.reproject.diffBatch, { rebuildId }));
    expect(windows).toBeGreaterThan(2);
    const result = (await inComponent(t, (ctx) => ctx.db.get(rebuildId)))!;
    const expectedOnlyInShadow = Array.from({ length: size }, (_, i) => i).filter((i) => i % 97 === 0).length;
    const expectedChanged = Array.from({ length: size }, (_, i) => i).filter(
      (i) => i % 101 === 0 && i % 97 !== 0,
    ).length;
    expect(result.verify).toMatchObject({
      compared: size,
      onlyInShadow: expectedOnlyInShadow,
      onlyInActive: 0,
      changed: expectedChanged,
    });
    expect(result.state).toBe("completed");
  });

  it("keep bounded samples of big documents, never whole documents in the rebuild's document", async () => {
    // 30 documents of 100 KB that differ: 20 whole samples of both sides would weigh 4 MB, past
    // the 1 MiB a document may hold.
    const t = createConvexTest();
    const doc = (i: number, side: string) => ({
      streamId: `s${String(i).padStart(3, "0")}`,
      eventCount: side === "active" ? 1 : 2,
      notes: side.repeat(100_000 / side.length),
    });
    await t.run(async (ctx) => {
      for (let i = 0; i < 30; i++) {
        await ctx.db.insert("sessionSummary", storedDocument(1, doc(i, "active").streamId, doc(i, "active")));
        await ctx.db.insert("sessionSummary", storedDocument(2, doc(i, "shadow").streamId, doc(i, "shadow")));
      }
    });
    const rebuildId = await diffingVerifyRun(t);
    for (let done = false; !done;) ({ done } = await t.mutation(internal.reproject.diffBatch, { rebuildId }));

    const result = (await inComponent(t, (ctx) => ctx.db.get(rebuildId)))!;
    expect(result.verify).toMatchObject({ compared: 30, changed: 30 });
    expect(getDocumentSize(result)).toBeLessThan(VERIFY_SAMPLE_LIMIT * SAMPLE_MAX_BYTES + 4_096);
    expect(result.verify!.samples).toHaveLength(VERIFY_SAMPLE_LIMIT);
    const [first] = result.verify!.samples;
    expect(first).toMatchObject({
      key: expect.stringContaining("s000"),
      kind: "changed",
      fields: ["eventCount", "notes"],
      truncated: true,
      active: { eventCount: 1, notes: expect.stringMatching(/^"activeactive.*…$/) },
      shadow: { eventCount: 2, notes: expect.stringMatching(/^"shadowshadow.*…$/) },
    });
  });
});
