// Retention of the engine's records: old finished rebuilds, their plans and dead letters, and old
// audit entries go, in pages; whatever a rebuild that can still go on needs stays.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../src/component/_generated/dataModel";
import { DEFAULT_RETENTION, retentionSettings } from "../../src/server/retention-settings.ts";
import { componentDocuments, createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldSessionSummary, readArchiveEvents } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";
import { rebuildRow } from "../support/rebuild-row";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const ADMIN = { subject: "ops-1", role: "admin" };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW - 100 * DAY);
});
afterEach(() => {
  vi.useRealTimers();
  for (const name of [
    "REPROJECT_RETAIN_REBUILDS",
    "REPROJECT_RETAIN_PLANS",
    "REPROJECT_ARCHIVE",
    "REPROJECT_CHUNK_MAX_BATCHES",
  ])
    delete process.env[name];
});

type T = ReturnType<typeof createConvexTest>;
type RebuildFields = Partial<Doc<"rebuilds">> & Pick<Doc<"rebuilds">, "projection" | "state">;

const letter = { eventId: "e", position: 1, eventType: "Play", eventVersion: 1, kind: "handler", reason: "rejected" };

/** A rebuild as the engine stores it, with a plan of `planBytes` and `letters` dead letters. */
async function storedRebuild(t: T, fields: RebuildFields, letters = 2, planBytes = 60_000): Promise<Id<"rebuilds">> {
  return inComponent(t, async (ctx) => {
    const rebuildId = await ctx.db.insert(
      "rebuilds",
      rebuildRow({
        phase: fields.state === "running" || fields.state === "paused" ? "archive" : "finishing",
        errorPolicy: "dead-letter",
        ...fields,
      }),
    );
    await ctx.db.insert("rebuildPlans", { rebuildId, planJson: JSON.stringify({ padding: "p".repeat(planBytes) }) });
    for (let i = 0; i < letters; i++) {
      await ctx.db.insert("deadLetters", {
        rebuildId,
        projection: fields.projection,
        ...letter,
        eventId: `e${i}`,
        position: i,
        at: Date.now(),
      });
    }
    return rebuildId;
  });
}

/** One plan read per transaction: they weigh more together than a transaction may read here. */
const hasPlan = (t: T, rebuildId: string) =>
  inComponent(t, async (ctx) =>
    Boolean(
      await ctx.db
        .query("rebuildPlans")
        .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
        .unique(),
    ),
  );

const audit = (t: T, at: number, action: string) =>
  inComponent(t, (ctx) =>
    ctx.db.insert("auditLog", { at, actor: { subject: ADMIN.subject }, action, outcome: "completed" }),
  );

describe("retention", () => {
  it("removes old finished rebuilds with their plans and dead letters, and old audit entries, in pages; never what a rebuild that can go on needs", async () => {
    process.env.REPROJECT_RETAIN_REBUILDS = "3";
    process.env.REPROJECT_RETAIN_PLANS = "1";
    // Plans of 60 KB against 300 KB a transaction may read: a sweep needs many pages.
    const t = createConvexTest({ bytesRead: 300_000 });
    const projection = "sessionSummary";
    const failed = await storedRebuild(t, { projection, state: "failed" });
    const keptShadow = await storedRebuild(t, {
      projection,
      state: "completed",
      mode: "verify",
      verify: {
        activeGeneration: 1,
        compared: 1,
        onlyInActive: 0,
        onlyInShadow: 0,
        changed: 0,
        samples: [],
        diffCursor: null,
        shadow: "kept",
      },
    });
    const completed: Id<"rebuilds">[] = [];
    for (let i = 0; i < 7; i++) completed.push(await storedRebuild(t, { projection, state: "completed" }));
    const paused = await storedRebuild(t, { projection, state: "paused" });
    const other = [
      await storedRebuild(t, { projection: "rebufferByCdn", state: "cancelled" }),
      await storedRebuild(t, { projection: "rebufferByCdn", state: "completed" }),
    ];
    await audit(t, Date.now(), "trigger");
    await audit(t, Date.now(), "cancel");
    vi.setSystemTime(NOW);
    const running = await storedRebuild(t, { projection, state: "running" }, 1);
    const recentLetter = await inComponent(t, (ctx) =>
      ctx.db.insert("deadLetters", { rebuildId: completed[6]!, projection, ...letter, at: Date.now() }),
    );
    await audit(t, Date.now() - 10 * DAY, "pause");
    const progressSample = { processed: 1, eventsPerSecond: 1, kept: 1, intervalMs: 1_000 };
    for (const rebuildId of [completed[0]!, completed[6]!])
      await inComponent(t, (ctx) => ctx.db.insert("rebuildSamples", { rebuildId, at: Date.now(), ...progressSample }));
    await inComponent(t, async (ctx) => {
      await ctx.db.insert("projections", {
        name: projection,
        version: 1,
        activeGeneration: 1,
        lastGeneration: 12,
        lastRebuildId: running,
      });
      await ctx.db.insert("projections", { name: "rebufferByCdn", version: 1, activeGeneration: 1, lastGeneration: 2 });
    });

    await t.mutation(internal.reproject.applyRetention, {});
    await runUntil(t, async () =>
      (await componentDocuments(t, "auditLog")).some((entry) => entry.action === "retention_applied"),
    );

    const rebuilds = new Set((await componentDocuments(t, "rebuilds")).map((rebuild) => rebuild._id));
    const plans = new Set<string>();
    for (const id of [failed, keptShadow, ...completed, paused, ...other, running])
      if (await hasPlan(t, id)) plans.add(id);
    const letters = await componentDocuments(t, "deadLetters");
    const lettersOf = (id: string) => letters.filter((letter) => letter.rebuildId === id).length;
    // Whatever can still go on, or is acted on next, keeps its row, plan and dead letters, however old.
    for (const id of [failed, keptShadow, paused, running]) {
      expect(rebuilds.has(id), id).toBe(true);
      expect(plans.has(id), id).toBe(true);
    }
    expect([failed, keptShadow, paused, running].map(lettersOf)).toEqual([2, 2, 2, 1]);
    // The newest 3 finished rebuilds stay, the newest of them with its plan; their old dead letters go.
    expect(completed.map((id) => rebuilds.has(id))).toEqual([false, false, false, false, true, true, true]);
    expect(completed.map((id) => plans.has(id))).toEqual([false, false, false, false, false, false, true]);
    expect(
      letters.filter((letter) => completed.includes(letter.rebuildId as Id<"rebuilds">)).map((l) => l._id),
    ).toEqual([recentLetter]);
    // A removed rebuild's progress samples go with it.
    const sampled = (await componentDocuments(t, "rebuildSamples")).map((sample) => sample.rebuildId);
    expect(sampled).toEqual([completed[6]]);
    // Another projection counts its own.
    expect(other.map((id) => rebuilds.has(id))).toEqual([true, true]);
    expect(other.map((id) => plans.has(id))).toEqual([false, true]);

    const log = await componentDocuments(t, "auditLog");
    expect(log.map((entry) => entry.action)).toEqual(["pause", "retention_applied"]);
    const { removed, pages } = JSON.parse(log[1]!.details!);
    // Seven plans of 60 KB removed, at most two per page under half of the read limit.
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(removed).toEqual({
      rebuilds: 4,
      plans: 7,
      deadLetters: 8 + 6 + 4,
      auditEntries: 2,
      deletionsRestarted: 0,
    });
  });

  it("keeps the plan of a paused rebuild, which resumes and completes exactly after retention ran", async () => {
    vi.setSystemTime(NOW);
    process.env.REPROJECT_ARCHIVE = await localDemoArchive(3_000, 17);
    const events = await readArchiveEvents(process.env.REPROJECT_ARCHIVE);
    process.env.REPROJECT_RETAIN_REBUILDS = "1";
    process.env.REPROJECT_RETAIN_PLANS = "0";
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const trigger = async () =>
      ((await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as { rebuildId: string })
        .rebuildId;
    const state = async (rebuildId: string) => (await admin.query(api.rebuilds.status, { rebuildId }))!;
    const first = await trigger();
    await runUntil(t, async () => (await state(first)).state === "completed");

    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    const second = await trigger();
    await stepUntil(t, async () => (await state(second)).processed > 0);
    await admin.mutation(api.rebuilds.pause, { rebuildId: second });
    await runUntil(t, async () => (await state(second)).state === "paused");

    await t.mutation(internal.reproject.applyRetention, {});
    await runUntil(t, async () =>
      (await componentDocuments(t, "auditLog")).some((entry) => entry.action === "retention_applied"),
    );
    expect((await componentDocuments(t, "rebuildPlans")).map((plan) => plan.rebuildId)).toEqual([second]);

    delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
    await admin.mutation(api.rebuilds.resume, { rebuildId: second });
    await runUntil(t, async () => (await state(second)).state === "completed");
    const status = await state(second);
    expect(status.counters.found).toBe(events.length);
    const documents = await generationDocuments(t, "sessionSummary", status.generation);
    expect(documents.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(foldSessionSummary(events));
  });

  it("keeps a dead-letter-key rebuild whose generation is active with its old letters for a re-drive, and removes another with its parked keys", async () => {
    process.env.REPROJECT_RETAIN_REBUILDS = "1";
    const t = createConvexTest();
    const projection = "sessionSummary";
    const byKey = { projection, state: "completed" as const, errorPolicy: "dead-letter-key" as const };
    const retired = await storedRebuild(t, { ...byKey, generation: 4 });
    const live = await storedRebuild(t, { ...byKey, generation: 5 });
    const newer = await storedRebuild(t, { projection, state: "completed", generation: 6 });
    const latest = await storedRebuild(t, { projection, state: "completed", generation: 7, target: "filtered-1" });
    await inComponent(t, async (ctx) => {
      for (const [rebuildId, generation] of [
        [retired, 4],
        [live, 5],
      ] as const)
        await ctx.db.insert("parkedKeys", { rebuildId, projection, generation, key: "s1", behind: "e0", pending: 2 });
      await ctx.db.insert("projections", {
        name: projection,
        version: 1,
        activeGeneration: 5,
        lastGeneration: 7,
        lastRebuildId: latest,
      });
    });
    vi.setSystemTime(NOW);

    await t.mutation(internal.reproject.applyRetention, {});
    await runUntil(t, async () =>
      (await componentDocuments(t, "auditLog")).some((entry) => entry.action === "retention_applied"),
    );

    const rebuilds = (await componentDocuments(t, "rebuilds")).map((rebuild) => rebuild._id);
    expect(rebuilds).toEqual([live, newer, latest]);
    const letters = await componentDocuments(t, "deadLetters");
    expect(letters.filter((letter) => letter.rebuildId === live)).toHaveLength(2);
    expect((await componentDocuments(t, "parkedKeys")).map((row) => row.rebuildId)).toEqual([live]);
  });

  it("has documented defaults, read from the environment with floors", () => {
    expect(retentionSettings({})).toEqual(DEFAULT_RETENTION);
    expect(DEFAULT_RETENTION).toEqual({
      rebuildsPerProjection: 50,
      plansPerProjection: 3,
      deadLetterMaxAgeMs: 30 * DAY,
      auditLogMaxAgeMs: 90 * DAY,
    });
    expect(
      retentionSettings({
        REPROJECT_RETAIN_REBUILDS: "0",
        REPROJECT_RETAIN_PLANS: "0",
        REPROJECT_RETAIN_DEAD_LETTER_DAYS: "7",
        REPROJECT_RETAIN_AUDIT_DAYS: "365",
      }),
    ).toEqual({
      rebuildsPerProjection: 50,
      plansPerProjection: 0,
      deadLetterMaxAgeMs: 7 * DAY,
      auditLogMaxAgeMs: 365 * DAY,
    });
  });
});
