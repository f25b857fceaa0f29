// A rebuild in lanes started from the panel's trigger dialog and followed lane by lane, on a local
// runtime of this file's own whose replay pool runs as many chunks at once as there are lanes.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ProjectionInfo, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import {
  COUNT,
  openPanel,
  progressValue,
  recordProgress,
  RuntimeClient,
  savePanelScreenshot,
  waitUntil,
} from "../support/panel-browser.ts";
import { DEMO, startPanelRuntime } from "../support/panel-stack.ts";

const LANES = 4;

describe("rebuilding in lanes from the panel", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let api: RuntimeClient;
  beforeAll(async () => {
    const archives = inject("panelArchives");
    [browser, runtime] = await Promise.all([
      launchChromium(),
      startPanelRuntime(archives.demo, archives.s3Endpoint, { env: { REPROJECT_REPLAY_PARALLELISM: String(LANES) } }),
    ]);
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it("triggers sessionSummary in 4 lanes from the dialog and lists the lanes until all are done, the bar at 100%", async () => {
    const projections = await api.query<ProjectionInfo[]>("rebuilds:projections");
    expect(projections.find((projection) => projection.name === "sessionSummary")?.lanes).toEqual({
      defaultCount: 1,
      maxCount: 16,
    });

    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    await page.getByRole("button", { name: "Rebuild sessionSummary" }).click();
    const dialog = page.getByRole("dialog");
    const lanesField = dialog.getByLabel("Lanes");
    await expect(lanesField.inputValue()).resolves.toBe("1");
    await expect(lanesField.isEnabled()).resolves.toBe(true);
    await lanesField.fill("17");
    await dialog.getByRole("button", { name: "Review" }).click();
    // The browser refuses a count beyond the projection's most, naming the bound, before any review.
    await expect(lanesField.evaluate((input: HTMLInputElement) => input.validity.rangeOverflow)).resolves.toBe(true);
    await expect(dialog.getByRole("heading", { name: "Rebuild sessionSummary" }).isVisible()).resolves.toBe(true);
    await lanesField.fill(String(LANES));
    await lanesField.scrollIntoViewIfNeeded();
    await savePanelScreenshot(page, "trigger-lanes", { fullPage: false });
    await dialog.getByRole("button", { name: "Review" }).click();
    const lanesFact = dialog.locator(".fact", { hasText: "Lanes" }).locator("dd");
    await expect(lanesFact.textContent()).resolves.toBe(
      `${LANES} lanes in parallel, each folding the events its lane key sends it`,
    );
    await dialog.getByRole("button", { name: "Start rebuild" }).click();
    await dialog.getByText("Rebuild started").waitFor();
    const rebuildId = (await dialog.locator("code").first().textContent())!;
    await dialog.getByRole("link", { name: "Follow its progress" }).click();
    await page.getByRole("heading", { name: /sessionSummary/ }).waitFor();

    const samples = await recordProgress(page);
    const table = page.getByRole("table", { name: "Lanes" });
    const rows = table.locator("tbody tr");
    // While it runs: the lanes are listed, some still running, the bar on its way.
    await waitUntil(
      async () =>
        (await rows.count()) === LANES &&
        (await table.locator('[data-field="done"]', { hasText: "running" }).count()) > 0 &&
        ((await progressValue(page)) ?? 0) >= 20,
      "the lanes listed while they run",
    );
    await saveScreenshot(page, "rebuild-lanes-running");
    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 50_000 });
    const { values } = await samples();

    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status).toMatchObject({ state: "completed", processed: DEMO.events, total: DEMO.events });
    expect(status.lanes).toHaveLength(LANES);
    expect(status.lanes.reduce((sum, lane) => sum + lane.processed, 0)).toBe(DEMO.events);
    // The main bar is the lanes' sum and ends at exactly 100.
    expect(values.at(-1)).toBe(100);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    await expect(page.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe("100");
    await expect(page.getByTestId("lanes-summary").textContent()).resolves.toBe(`${LANES} lanes, ${LANES} done`);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        lane: tr.querySelector("th")!.textContent,
        processed: tr.querySelector('[data-field="processed"]')!.textContent,
        done: tr.querySelector('[data-field="done"]')!.textContent,
        retried: tr.querySelector('[data-field="retried"]')!.textContent,
      })),
    );
    expect(shown).toEqual(
      status.lanes.map((lane) => ({
        lane: String(lane.lane),
        processed: COUNT.format(lane.processed),
        done: "done",
        retried: COUNT.format(lane.retried),
      })),
    );
    await saveScreenshot(page, "rebuild-lanes-completed");
    expect(errors).toEqual([]);
  });
});
