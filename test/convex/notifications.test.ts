// The app's `notify` function hears of every rebuild that completes, fails or waits for an operator,
// scheduled in the transaction that decided it (the demo app records them in a table).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { createConvexTest, settleRebuilds } from "../support/convex";
import { localDemoArchive, tamperedDemoArchive } from "../support/demo-archive";

const ADMIN = { subject: "ops-1", role: "admin" };
let archive: string;
let broken: string;

beforeAll(async () => {
  archive = await localDemoArchive(2_000, 71);
  broken = await tamperedDemoArchive(2_000, 71, (events) => {
    const rebuffer = events.find((event) => event.eventType === "Rebuffer")!;
    rebuffer.payload = '{"durationMs": 12';
  });
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
});
afterEach(() => vi.useRealTimers());

async function rebuildAndNotifications(options: Record<string, unknown>) {
  const t = createConvexTest();
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn", options })) as {
    rebuildId: string;
  };
  await settleRebuilds(t);
  const notifications = await t.run((ctx) => ctx.db.query("rebuildNotifications").collect());
  return { t, admin, rebuildId, notifications };
}

describe("rebuild notifications", () => {
  it("tells the app once when a rebuild completes, with its counts", async () => {
    const { rebuildId, notifications } = await rebuildAndNotifications({});
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({
      kind: "completed",
      projection: "rebufferByCdn",
      rebuildId,
      mode: "rebuild",
      state: "completed",
      reason: null,
    });
    expect(notifications[0]!.processed).toBe(notifications[0]!.total);
    expect(notifications[0]!.total).toBeGreaterThan(0);
  });

  it("tells the app when a rebuild fails, with the reason", async () => {
    process.env.REPROJECT_ARCHIVE = broken;
    const { rebuildId, notifications } = await rebuildAndNotifications({});
    expect(notifications.map(({ kind, rebuildId }) => ({ kind, rebuildId }))).toEqual([{ kind: "failed", rebuildId }]);
    expect(notifications[0]!.state).toBe("failed");
    expect(notifications[0]!.reason).toMatch(/Rebuffer/);
  });

  it("tells the app when a verify run keeps its shadow for an operator", async () => {
    const first = await rebuildAndNotifications({});
    const { rebuildId } = (await first.admin.mutation(api.rebuilds.trigger, {
      projection: "rebufferByCdn",
      options: { mode: "verify", keepShadow: true },
    })) as { rebuildId: string };
    await settleRebuilds(first.t);
    const notifications = await first.t.run((ctx) =>
      ctx.db
        .query("rebuildNotifications")
        .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
        .collect(),
    );
    expect(notifications).toEqual([
      expect.objectContaining({
        kind: "waiting_for_operator",
        mode: "verify",
        reason: "the shadow is kept until an operator promotes or discards it",
      }),
    ]);
  });
});
