// A full rebuild and a filtered replay started from the panel, followed live to the end, against the
// local runtime over the demo archive.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ProjectionInfo, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { COUNT, counterText, openPanel, recordProgress, RuntimeClient, savePanelScreenshot } from "../support/panel-browser.ts";
import { DEMO } from "../support/panel-stack.ts";

type Status = RebuildStatus;
type Projection = ProjectionInfo;

const FROM = Date.UTC(2025, 0, 5);
const UNTIL = Date.UTC(2025, 0, 20);

/** Rebuffer events of the demo archive, optionally only CDN1 ones in [FROM, UNTIL). */
function demoRebuffers(onlyCdn1InRange: boolean): number {
  let count = 0;
  for (const event of demoEvents(DEMO)) {
    if (event.eventType !== "Rebuffer") continue;
    const ms = event.occurredAtMs;
    if (onlyCdn1InRange && (event.attributes.cdn !== "CDN1" || ms < FROM || ms >= UNTIL)) continue;
    count++;
  }
  return count;
}

async function followAnswer(page: Page): Promise<string> {
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Start rebuild" }).click();
  await dialog.getByText("Rebuild started").waitFor();
  const rebuildId = (await dialog.locator("code").first().textContent())!;
  await dialog.getByRole("link", { name: "Follow its progress" }).click();
  await page.getByRole("heading", { name: /rebufferByCdn/ }).waitFor();
  return rebuildId;
}

async function expectCountersToMatch(page: Page, status: Status): Promise<void> {
  for (const [name, value] of Object.entries(status.counters)) {
    expect(await counterText(page, name), `counter ${name}`).toBe(COUNT.format(value));
  }
  const processed = await page.locator('[data-stat="processed"] dd').textContent();
  expect(processed).toBe(`${COUNT.format(status.processed)} / ${COUNT.format(status.total!)}`);
}

describe("rebuilding from the panel", () => {
  let browser: Browser;
  const runtime = new RuntimeClient(inject("runtimeUrl"));
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("follows a full rebuild live to 100%, with the status API's counters, and swaps its generation in", async () => {
    const { page, errors } = await openPanel(browser);
    const row = page.locator('tr[data-projection="rebufferByCdn"]');
    await row.waitFor();
    await saveScreenshot(page, "projections");
    const before = (await runtime.query<Projection[]>("rebuilds:projections")).find((p) => p.name === "rebufferByCdn")!;

    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Rebuild rebufferByCdn" }).waitFor();
    await expect(dialog.getByRole("checkbox", { name: "Rebuffer" }).isChecked()).resolves.toBe(true);
    await savePanelScreenshot(page, "trigger-dialog", { fullPage: false });
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByText("Full rebuild into a new generation").waitFor();
    const rebuildId = await followAnswer(page);

    const samples = await recordProgress(page);
    await page.waitForFunction(() => Number(document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")) >= 25);
    await saveScreenshot(page, "rebuild-in-progress");
    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 45_000 });
    const { values, reloaded, runningLayouts } = await samples();

    // Pushed updates moved the bar, without a reload, in steps, to exactly 100; nothing around
    // the ticking numbers moved meanwhile.
    expect(reloaded).toBe(false);
    expect(runningLayouts).toHaveLength(1);
    expect(values.at(-1)).toBe(100);
    expect(values.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(3);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    await expect(page.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe("100");

    const status = await runtime.query<Status>("rebuilds:status", { rebuildId });
    expect(status.state).toBe("completed");
    expect(status.counters.found).toBe(DEMO.events);
    expect(status.counters.applied).toBe(demoRebuffers(false));
    await expectCountersToMatch(page, status);
    await saveScreenshot(page, "rebuild-completed");

    await page.getByRole("link", { name: "Projections" }).click();
    await row.locator('[data-state="completed"]').waitFor();
    await expect(row.locator('[data-field="active-generation"]').textContent()).resolves.toBe(String(status.generation));
    expect(status.generation).toBeGreaterThan(before.activeGeneration ?? 0);
    await expect(row.getByText("Up to date").isVisible()).resolves.toBe(true);
    await expect(row.locator('[data-field="built-version"]').textContent()).resolves.toBe("built v1");
    await saveScreenshot(page, "projections-after-rebuild");
    expect(errors).toEqual([]);
  });

  it("replays only CDN1 in a time range into a named target, with filtered totals that add up", async () => {
    const { page, errors } = await openPanel(browser);
    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("From (UTC, inclusive)").fill("2025-01-05T00:00:00");
    await dialog.getByLabel("Until (UTC, exclusive)").fill("2025-01-20T00:00:00");
    await dialog.getByRole("button", { name: "Add attribute" }).click();
    await dialog.getByLabel("Attribute 1 name").fill("cdn");
    await dialog.getByLabel("Attribute 1 value").fill("CDN1");
    await dialog.getByLabel("Target name").fill("cdn1-january");
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByText("Filtered replay into target “cdn1-january”").waitFor();
    await expect(dialog.getByText("cdn = CDN1").isVisible()).resolves.toBe(true);
    await expect(dialog.getByText("from 2025-01-05 00:00:00 UTC").isVisible()).resolves.toBe(true);
    // The pre-flight plan, before Start: what the filter skips and the exact number of events.
    const preflightEvents = dialog.getByTestId("preflight-events");
    await preflightEvents.waitFor();
    const plannedEvents = await preflightEvents.textContent();
    await expect(dialog.locator(".fact", { hasText: "Data files" }).locator("dd").textContent()).resolves.toMatch(
      /^[\d,]+ to read, [1-9][\d,]* skipped, of [\d,]+$/,
    );
    await savePanelScreenshot(page, "trigger-review-preflight", { fullPage: false });
    const rebuildId = await followAnswer(page);
    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 45_000 });

    const status = await runtime.query<Status>("rebuilds:status", { rebuildId });
    expect(status.filter).toEqual({ fromMs: FROM, toMs: UNTIL, attributes: { cdn: ["CDN1"] } });
    expect(status.target).toBe("cdn1-january");
    const { found, applied, skipped, filtered, invalid, failed } = status.counters;
    expect(applied).toBe(demoRebuffers(true));
    expect(found).toBe(applied + skipped + filtered + invalid + failed);
    expect(found).toBe(status.total);
    expect(plannedEvents).toBe(COUNT.format(status.total!));
    // The day partitions outside the range were not read at all.
    expect(status.pruning!.rowsSkipped).toBeGreaterThan(0);
    expect(found + status.pruning!.rowsSkipped).toBe(DEMO.events);
    await expectCountersToMatch(page, status);
    await expect(page.locator(".fact", { hasText: "Writes to" }).locator("dd").textContent()).resolves.toBe("target “cdn1-january”");
    await page.getByText("the active read model was not replaced").waitFor();

    // A filtered replay never replaces the active read model.
    const projection = (await runtime.query<Projection[]>("rebuilds:projections")).find((p) => p.name === "rebufferByCdn")!;
    expect(projection.activeGeneration).not.toBe(status.generation);

    await page.getByRole("link", { name: "History" }).click();
    const rows = page.locator("tr[data-rebuild]");
    await rows.first().waitFor();
    const ids = await rows.evaluateAll((found) => found.map((row) => row.getAttribute("data-rebuild")));
    expect(ids[0]).toBe(rebuildId);
    await saveScreenshot(page, "history");
    expect(errors).toEqual([]);
  });
});
