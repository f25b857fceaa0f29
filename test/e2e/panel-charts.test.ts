// The panel's charts in Chromium, against the local runtime over the demo archive: a rebuild's
// events/s and progress drawn from its samples while it runs and after it completed, the projection's
// past rebuilds on the history screen, and how far each projection is behind the event log.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ProjectionInfo, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { launchChromium } from "../support/browser.ts";
import { LAPTOP, openPanel, PHONE, RuntimeClient, waitUntil } from "../support/panel-browser.ts";
import { DEMO } from "../support/panel-stack.ts";
import { STALL_AFTER_MS } from "../../admin-ui/src/components/charts/stall.ts";

const PROJECTION = "rebufferByCdn";
const DOCS = new URL("../../docs/", import.meta.url).pathname;
type Sample = { at: number; processed: number; eventsPerSecond: number };

/** The points of a chart's line: its SVG path's "M x,y L x,y …" commands. */
function linePoints(page: Page, chart: string): Promise<number> {
  return page
    .locator(`[data-chart="${chart}"] path.recharts-line-curve`)
    .getAttribute("d")
    .then((d) => (d?.match(/[ML]/g) ?? []).length);
}

async function saveDocsScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  await page.screenshot({ path: `${DOCS}${name}.png`, fullPage: true });
}

describe("charts in the panel", () => {
  let browser: Browser;
  const runtime = new RuntimeClient(inject("runtimeUrl"));
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("draws a rebuild's events/s and progress from its samples, live and after it completed", async () => {
    // A rebuild cancelled after its first batches: the past rebuilds chart shows outcomes apart.
    const cancelled = await runtime.mutation<{ rebuildId: string }>("rebuilds:trigger", { projection: PROJECTION });
    await waitUntil(
      async () =>
        (await runtime.query<RebuildStatus>("rebuilds:status", { rebuildId: cancelled.rebuildId })).processed > 0,
      "the first batches of the rebuild to cancel",
    );
    await runtime.mutation("rebuilds:cancel", { rebuildId: cancelled.rebuildId });
    const started = await runtime.mutation<{ status: string; rebuildId: string }>("rebuilds:trigger", {
      projection: PROJECTION,
    });
    expect(started.status).toBe("started");
    const { page, errors } = await openPanel(browser, { hash: `#/rebuilds/${started.rebuildId}` });
    const rate = page.locator('[data-chart="events-per-second"]');
    const progress = page.locator('[data-chart="progress"]');

    // While it runs: the lines follow the batches as they commit (the start, then a point per sample).
    await waitUntil(
      async () =>
        (await page.locator('.screen-header [data-state="running"]').count()) > 0 &&
        (await linePoints(page, "progress")) >= 3,
      "two samples drawn while running",
    );
    const runningPath = await progress.locator("path.recharts-line-curve").getAttribute("d");
    const runningStatus = await runtime.query<RebuildStatus>("rebuilds:status", { rebuildId: started.rebuildId });
    expect(runningStatus.state).toBe("running");
    await saveDocsScreenshot(page, "panel-charts-running");

    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 45_000 });
    const samples = await runtime.query<Sample[]>("rebuilds:samples", { rebuildId: started.rebuildId });
    expect(samples.length).toBeLessThanOrEqual(300);
    expect(samples.at(-1)!.processed).toBe(DEMO.events);
    await waitUntil(
      async () => (await linePoints(page, "progress")) === samples.length + 1 || undefined,
      "every sample drawn",
    );
    expect(await linePoints(page, "events-per-second")).toBe(samples.length + 1);
    await expect(progress.locator("path.recharts-line-curve").getAttribute("d")).resolves.not.toBe(runningPath);

    for (const [chart, axis] of [
      [rate, "events/s"],
      [progress, "% done"],
    ] as const) {
      await expect(chart.locator(".recharts-label", { hasText: axis }).count()).resolves.toBe(1);
      await expect(chart.locator(".recharts-label", { hasText: "time since start" }).count()).resolves.toBe(1);
      expect(await chart.locator(".recharts-cartesian-axis-tick-value").count()).toBeGreaterThan(3);
    }
    // The progress line ends at its highest point, the top of its 0-100% axis, once the rebuild completed.
    await expect(progress.locator(".recharts-cartesian-axis-tick-value", { hasText: "100%" }).count()).resolves.toBe(1);
    const heights = (
      (await progress.locator("path.recharts-line-curve").getAttribute("d"))!.match(/[ML][^ML]+/g) ?? []
    ).map((command) => Number(command.slice(1).split(",")[1]));
    expect(heights.at(-1)).toBe(Math.min(...heights));
    await expect(page.locator('[data-field="stalled"]').count()).resolves.toBe(0);
    await saveDocsScreenshot(page, "panel-charts");
    // On a phone the charts shrink to the screen: no sideways scrolling, even before they are redrawn.
    await page.setViewportSize(PHONE);
    await expect(
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).resolves.toBe(0);
    await page.setViewportSize(LAPTOP);

    // The history screen charts the projection's past rebuilds, this one included.
    await page.getByRole("link", { name: "History" }).click();
    await page.locator("#history-projection").selectOption(PROJECTION);
    const past = page.locator('[data-chart="past-rebuilds"]');
    await past.waitFor();
    const history = await runtime.query<RebuildStatus[]>("rebuilds:history", { projection: PROJECTION, limit: 100 });
    const finished = history.filter((rebuild) => rebuild.state !== "running" && rebuild.state !== "paused");
    await waitUntil(
      async () => (await past.locator(".recharts-bar-rectangle").count()) === finished.length || undefined,
      "a bar per finished rebuild",
    );
    expect(await past.locator(".recharts-line-dot").count()).toBe(finished.length);
    await expect(past.locator(".recharts-label", { hasText: "duration" }).count()).resolves.toBe(1);
    for (const state of ["completed", "cancelled"] as const) {
      const bars = past.locator(`.recharts-bar-rectangle path[fill="var(--${state})"]`);
      expect(await bars.count(), `bars of ${state} rebuilds`).toBe(
        finished.filter((rebuild) => rebuild.state === state).length,
      );
    }
    await saveDocsScreenshot(page, "panel-past-rebuilds");

    // Live projections apply appends inline: never behind the event log, whose position is shown.
    await page.getByRole("link", { name: "Projections" }).click();
    const projections = await runtime.query<ProjectionInfo[]>("rebuilds:projections");
    const row = page.locator(`tr[data-projection="${PROJECTION}"]`);
    await row.locator('[data-field="lag"]', { hasText: "live, 0 events behind" }).waitFor();
    await expect(page.locator('[data-field="log-position"]').textContent()).resolves.toBe(
      new Intl.NumberFormat("en-US").format(projections[0]!.logPosition),
    );
    expect(errors).toEqual([]);
  });

  it("marks a running rebuild stalled once its samples show no progress for over a minute", async () => {
    // Slowed down so that it still runs while the page's clock is two minutes ahead of its last sample.
    const started = await runtime.mutation<{ status: string; rebuildId: string }>("rebuilds:trigger", {
      projection: PROJECTION,
      options: { rateLimit: 2_000 },
    });
    expect(started.status).toBe("started");
    const { page, errors } = await openPanel(browser, { hash: `#/rebuilds/${started.rebuildId}` });
    await waitUntil(async () => (await linePoints(page, "progress")) >= 2, "a first sample drawn");
    await expect(page.locator('[data-field="stalled"]').count()).resolves.toBe(0);

    await page.clock.setFixedTime(Date.now() + 2 * STALL_AFTER_MS);
    await page.locator('[data-field="stalled"]', { hasText: "Stalled: no progress for" }).waitFor();
    for (const chart of ["events-per-second", "progress"]) {
      await expect(page.locator(`[data-chart="${chart}"] .recharts-reference-area`).count()).resolves.toBe(1);
    }
    await saveDocsScreenshot(page, "panel-charts-stalled");
    await expect(runtime.mutation("rebuilds:cancel", { rebuildId: started.rebuildId })).resolves.toMatchObject({
      status: "cancelled",
    });
    // A rebuild that no longer runs is not stalled, whatever the clock says.
    await page.locator('.screen-header [data-state="cancelled"]').waitFor();
    await expect(page.locator('[data-field="stalled"]').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });
});
