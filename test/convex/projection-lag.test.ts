// How far each projection's active generation is behind the event log, as the panel shows it: live
// projections apply appends inline and are never behind; one frozen by a version change is behind by
// the events appended since, until the rebuild at the new version swaps in.
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, settleRebuilds } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";

const code = vi.hoisted(() => ({ sessionSummaryVersion: 1 }));

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withSessionSummaryVersion } = await import("../support/versioned-registry.ts");
  return withSessionSummaryVersion(await importOriginal(), () => code.sessionSummaryVersion);
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 6_000;
const history = useSplitDemoHistory(6_400, ARCHIVED, 23);

describe("lag behind the event log", () => {
  it("counts the events and the time a frozen projection is behind, and none for live ones", async () => {
    const t = createConvexTest();
    code.sessionSummaryVersion = 1;
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    const admin = t.withIdentity(ADMIN);
    const lagOf = async (name: string) =>
      (await admin.query(api.rebuilds.projections, {})).find((projection) => projection.name === name)!;
    await t.mutation(internal.reproject.append, { events: history.live.slice(0, 100) });
    expect(await lagOf("sessionSummary")).toMatchObject({ logPosition: ARCHIVED + 100, behind: null });

    code.sessionSummaryVersion = 2;
    vi.advanceTimersByTime(5_000);
    const frozenAt = Date.now();
    await t.mutation(internal.reproject.append, { events: history.live.slice(100, 150) });
    vi.advanceTimersByTime(5_000);
    await t.mutation(internal.reproject.append, { events: history.live.slice(150, 160) });

    const frozen = await lagOf("sessionSummary");
    expect(frozen.logPosition).toBe(ARCHIVED + 160);
    expect(frozen.behind!.events).toBe(60);
    expect(frozen.behind!.since).toBeGreaterThanOrEqual(frozenAt);
    expect(frozen.behind!.since).toBeLessThan(frozenAt + 5_000);
    expect(await lagOf("rebufferByCdn")).toMatchObject({ logPosition: ARCHIVED + 160, behind: null });

    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    expect(await lagOf("sessionSummary")).toMatchObject({ logPosition: ARCHIVED + 160, behind: null });
  });
});
