import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { activeDocuments as readModel } from "../support/read-model";

const ADMIN = { subject: "ops-1", name: "Ops", role: "admin" };
let archive = "";
let events: ArchiveEvent[] = [];

beforeAll(async () => {
  archive = await localDemoArchive(6_000, 4);
  events = await readArchiveEvents(archive);
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
});
afterEach(() => vi.useRealTimers());

async function runToEnd(t: ReturnType<typeof createConvexTest>) {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
}

describe("a full rebuild on the replay pool", () => {
  it("rebuilds rebufferByCdn to exactly the fold of the archive", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const started = await admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" });
    expect(started.status).toBe("started");
    await runToEnd(t);
    const status = await admin.query(api.rebuilds.status, { rebuildId: (started as { rebuildId: string }).rebuildId });
    expect(status).toMatchObject({ state: "completed", percent: 100, processed: events.length, total: events.length });
    const rebuffers = events.filter((event) => event.type === "Rebuffer").length;
    expect(status!.counters).toMatchObject({ found: events.length, applied: rebuffers, skipped: events.length - rebuffers, invalid: 0, failed: 0 });
    const model = ((await readModel(t, "rebufferByCdn")) as ReturnType<typeof foldRebufferByCdn>).sort(
      (a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device),
    );
    expect(model).toEqual(foldRebufferByCdn(events));
  });

  it("rebuilds sessionSummary to exactly the fold of the archive", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" });
    await runToEnd(t);
    const model = ((await readModel(t, "sessionSummary")) as ReturnType<typeof foldSessionSummary>).sort((a, b) =>
      a.streamId.localeCompare(b.streamId),
    );
    expect(model).toEqual(foldSessionSummary(events));
  });
});
