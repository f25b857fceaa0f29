// Side effects never replay, at scale: eventsByCdn's handler asks for an effect on every event it
// applies. Its first build over a 100,000-event archive applies them all and schedules none (they
// were in the archive before the projection was deployed); each live append afterwards schedules one.
import reprojectTest from "reproject/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";
import { splitDemoHistory, type SplitDemoHistory } from "../support/demo-archive";
import { EFFECT_SINK, effectSinkModule } from "../support/effect-per-event";

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withEffectPerEvent } = await import("../support/effect-per-event.ts");
  return withEffectPerEvent(await importOriginal());
});

const ARCHIVED = 100_000;
const LIVE = 5;
const ADMIN = { subject: "ops-1", role: "admin" };
let history: SplitDemoHistory;

beforeAll(async () => {
  history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 17);
  process.env.REPROJECT_ARCHIVE = history.archive;
  vi.useFakeTimers();
}, 120_000);
afterAll(() => vi.useRealTimers());

/** The event ids of the effects scheduled so far, in scheduling order. */
async function scheduledEffects(t: ReturnType<typeof createConvexTest>): Promise<string[]> {
  const jobs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return jobs.filter((job) => job.name === EFFECT_SINK).map((job) => (job.args[0] as { eventId: string }).eventId);
}

describe("effects of a handler that schedules one per event", () => {
  it(`are not scheduled by a build or a rebuild over ${ARCHIVED.toLocaleString("en-US")} archived events; each live append schedules one`, async () => {
    const t = createConvexTest(true, effectSinkModule);
    const admin = t.withIdentity(ADMIN);
    await t.mutation(internal.reproject.startLog, { archiveHighWaterMark: ARCHIVED });
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "eventsByCdn" })) as {
      rebuildId: string;
    };
    await reprojectTest.finishRebuilds(t, (ms) => vi.advanceTimersByTime(ms));
    const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(status.lastError).toBeNull();
    expect(status).toMatchObject({ state: "completed", processed: ARCHIVED });
    expect(status.counters).toMatchObject({ found: ARCHIVED, applied: ARCHIVED, failed: 0, deadLettered: 0 });
    expect(await scheduledEffects(t)).toEqual([]);

    const appended: string[] = [];
    for (const event of history.live) {
      await t.mutation(internal.reproject.append, { events: [event] });
      appended.push(event.eventId);
      expect(await scheduledEffects(t)).toEqual(appended);
    }
    expect(appended).toHaveLength(LIVE);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100));
    const ran = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(ran.filter((job) => job.name === EFFECT_SINK).map((job) => job.state.kind)).toEqual(
      appended.map(() => "success"),
    );
  });
});
