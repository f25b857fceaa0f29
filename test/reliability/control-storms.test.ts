// Concurrency: many triggers at once, both projections at once, and seeded storms of pause /
// resume / cancel / trigger while chunks run and live events are appended. Whatever the order, at
// most one rebuild per projection is active, counters add up, and the read model that ends up
// active equals the fold of every event.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldRebufferByCdn, foldSessionSummary, type ArchiveEvent } from "../support/demo-fold";
import { activeDocuments as activeDocs } from "../support/read-model";

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 6_000;
const history = useSplitDemoHistory(ARCHIVED + 1_500, ARCHIVED, 81);

type T = ReturnType<typeof createConvexTest>;

function eventsUpTo(count: number): ArchiveEvent[] {
  return archiveEventsOf(history.all.slice(0, count));
}

async function assertInvariants(t: T) {
  const rebuilds = await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect());
  for (const projection of ["rebufferByCdn", "sessionSummary"]) {
    const active = rebuilds.filter(
      (rebuild) => rebuild.projection === projection && (rebuild.state === "running" || rebuild.state === "paused"),
    );
    expect(active.length).toBeLessThanOrEqual(1);
  }
  for (const rebuild of rebuilds) {
    const c = rebuild.counters;
    expect(c.found).toBe(c.applied + c.skipped + c.filtered + c.invalid + c.failed);
  }
}

describe("concurrent control", () => {
  it("100 concurrent triggers of one projection start exactly one rebuild", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const answers = (await Promise.all(
      Array.from({ length: 100 }, () => admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" })),
    )) as Array<{ status: string; rebuildId: string }>;
    expect(answers.filter((answer) => answer.status === "started")).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.rebuildId)).size).toBe(1);
    await runUntil(t, async () => (await admin.query(api.rebuilds.listActive, {})).length === 0);
    expect((await activeDocs(t, "rebufferByCdn")).length).toBe(foldRebufferByCdn(eventsUpTo(ARCHIVED)).length);
  });

  it("seeded storms of pause, resume, cancel and trigger, with appends, end in the fold of every event", async () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant("step" as const), steps: fc.integer({ min: 1, max: 6 }) }),
      fc.record({
        kind: fc.constantFrom("pause" as const, "resume" as const, "cancel" as const, "trigger" as const),
        projection: fc.constantFrom("rebufferByCdn", "sessionSummary"),
      }),
      fc.record({ kind: fc.constant("append" as const), count: fc.integer({ min: 1, max: 60 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 10, maxLength: 40 }), async (storm) => {
        const t = createConvexTest();
        const admin = t.withIdentity(ADMIN);
        await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
        let appended = 0;
        for (const step of storm) {
          if (step.kind === "step") {
            for (let i = 0; i < step.steps; i++) {
              vi.advanceTimersByTime(50);
              await t.finishInProgressScheduledFunctions();
            }
          } else if (step.kind === "append") {
            const batch = history.live.slice(appended, appended + step.count);
            if (batch.length > 0) await t.mutation(internal.reproject.append, { events: batch });
            appended += batch.length;
          } else if (step.kind === "trigger") {
            await admin.mutation(api.rebuilds.trigger, { projection: step.projection });
          } else {
            const active = (await admin.query(api.rebuilds.listActive, {})).find(
              (status) => status.projection === step.projection,
            );
            if (active) await admin.mutation(api.rebuilds[step.kind], { rebuildId: active.rebuildId });
          }
          await assertInvariants(t);
        }
        // Settle: resume what is paused, rebuild what never completed, and let everything finish.
        for (const status of await admin.query(api.rebuilds.listActive, {})) {
          if (status.state === "paused") await admin.mutation(api.rebuilds.resume, { rebuildId: status.rebuildId });
        }
        await runUntil(t, async () => (await admin.query(api.rebuilds.listActive, {})).length === 0);
        for (const projection of ["rebufferByCdn", "sessionSummary"]) {
          const row = await inComponent(t, (ctx) =>
            ctx.db
              .query("projections")
              .withIndex("by_name", (q) => q.eq("name", projection))
              .unique(),
          );
          if (row?.activeGeneration == null) await admin.mutation(api.rebuilds.trigger, { projection });
        }
        await runUntil(t, async () => (await admin.query(api.rebuilds.listActive, {})).length === 0);
        await assertInvariants(t);
        const everything = eventsUpTo(ARCHIVED + appended);
        const byCdn = (await activeDocs(t, "rebufferByCdn")) as ReturnType<typeof foldRebufferByCdn>;
        expect(byCdn.sort((a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device))).toEqual(
          foldRebufferByCdn(everything),
        );
        const sessions = (await activeDocs(t, "sessionSummary")) as ReturnType<typeof foldSessionSummary>;
        expect(sessions.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(foldSessionSummary(everything));
      }),
      { numRuns: 6, seed: 20261123 },
    );
  });
});
