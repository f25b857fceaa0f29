// A rebuild's status is a function of what is stored, never of the clock: reactive queries do not
// re-run as time passes, so a status that read Date.now() would go on saying what was true once.
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StallNotice } from "../../admin-ui/src/components/StallNotice.tsx";
import { StateBadge } from "../../admin-ui/src/components/StateBadge.tsx";
import type { Doc, Id } from "../../src/component/_generated/dataModel.js";
import { rebuildStatus } from "../../src/component/status.ts";
import { SYSTEM, ZERO_COUNTERS } from "../../src/component/validators.ts";
import { etaText, rateText } from "../../src/react/progress.ts";

const AT = Date.UTC(2026, 0, 1);

function runningRebuild(overrides: Partial<Doc<"rebuilds">> = {}): Doc<"rebuilds"> {
  return {
    _id: "r1" as Id<"rebuilds">,
    _creationTime: AT,
    projection: "sessionSummary",
    version: 1,
    generation: 1,
    state: "running",
    phase: "archive",
    dryRun: false,
    errorPolicy: "fail",
    archive: { location: "/archive" },
    total: 10_000,
    processed: 4_000,
    cursor: 4_000,
    counters: { ...ZERO_COUNTERS, found: 4_000, applied: 4_000 },
    rate: { eventsPerSecond: 2_000, processed: 4_000, atMs: AT + 2_000 },
    startedAt: AT,
    updatedAt: AT + 2_000,
    triggeredBy: SYSTEM,
    ...overrides,
  };
}

afterEach(() => vi.useRealTimers());

describe("rebuild status", () => {
  it("says the same of the same stored rebuild at any time", () => {
    vi.useFakeTimers();
    vi.setSystemTime(AT + 3_000);
    const soon = rebuildStatus(runningRebuild());
    vi.setSystemTime(AT + 3_600_000);
    expect(rebuildStatus(runningRebuild())).toEqual(soon);
    expect(soon).toMatchObject({ eventsPerSecond: 2_000, etaSeconds: 3, stalled: false, rateMeasuredAt: AT + 2_000 });
  });

  it("shows a rebuild the watchdog found stalled as stalled, with no rate or ETA, until it moves again", () => {
    const stall = { detectedAt: AT + 200_000, lastProgressAt: AT + 2_000, resumes: 1 };
    const stalled = rebuildStatus(runningRebuild({ stall }));
    expect(stalled).toMatchObject({ state: "running", stalled: true, eventsPerSecond: 0, etaSeconds: null, stall });
    expect(rateText(stalled)).toBe("stalled");
    expect(etaText(stalled)).toBe("—");
    const moved = rebuildStatus(runningRebuild({ stall, updatedAt: AT + 201_000 }));
    expect(moved).toMatchObject({ stalled: false, eventsPerSecond: 2_000, stall });
  });
});

describe("a stalled rebuild in the panel", () => {
  const stall = { detectedAt: AT + 200_000, lastProgressAt: AT + 2_000, resumes: 0 };
  const render = (status: ReturnType<typeof rebuildStatus>) =>
    renderToString(
      createElement("div", null, [
        createElement(StateBadge, { key: "badge", state: status.state, stalled: status.stalled }),
        createElement(StallNotice, { key: "notice", status }),
      ]),
    ).replace(/<!-- -->/g, "");

  it("shows it as stalled, with why the watchdog could not resume it", () => {
    const html = render(rebuildStatus(runningRebuild({ stall: { ...stall, error: "the replay pool refused" } })));
    expect(html).toContain('data-state="stalled"');
    expect(html).toContain("Stalled");
    expect(html).toMatch(
      /no chunk in flight and no progress since .*The watchdog could not resume it: the replay pool refused/,
    );
  });

  it("shows it running again once it moved, with how often the watchdog resumed it", () => {
    const html = render(rebuildStatus(runningRebuild({ stall: { ...stall, resumes: 2 }, updatedAt: AT + 300_000 })));
    expect(html).toContain('data-state="running"');
    expect(html).toContain("Resumed by the watchdog 2×");
  });
});
