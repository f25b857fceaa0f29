// Pausing, resuming and cancelling from the panel, on a local runtime of this file's own.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RebuildStatus, TriggerAnswer } from "../../admin-ui/src/data/api-types.ts";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { openPanel, progressValue, RuntimeClient, savePanelScreenshot, waitUntil } from "../support/panel-browser.ts";
import { startPanelRuntime } from "../support/panel-stack.ts";

describe("controlling a rebuild from the panel", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let api: RuntimeClient;
  beforeAll(async () => {
    const archives = inject("panelArchives");
    [browser, runtime] = await Promise.all([launchChromium(), startPanelRuntime(archives.demo, archives.s3Endpoint)]);
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  async function start(projection: string, options: object = {}): Promise<string> {
    const answer = await api.mutation<TriggerAnswer>("rebuilds:trigger", { projection, options });
    if (answer.status !== "started") throw new Error(`trigger answered ${JSON.stringify(answer)}`);
    return answer.rebuildId;
  }

  const status = (rebuildId: string) => api.query<RebuildStatus>("rebuilds:status", { rebuildId });
  const stateBadge = (page: Page, state: string) => page.locator(`.screen-header [data-state="${state}"]`);

  it("pauses a running rebuild, holds it at its checkpoint, and resumes it from there", async () => {
    // sessionSummary writes a document per session: the slowest of the two, so there is time to act.
    const rebuildId = await start("sessionSummary");
    try {
      const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url, hash: "#/rebuilds" });
      const card = page.locator(`article[data-rebuild="${rebuildId}"]`);
      await card.waitFor();
      await page.waitForFunction(() => Number(document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")) > 2);
      await saveScreenshot(page, "active-rebuilds");

      await card.getByRole("link", { name: "Details" }).click();
      await page.getByRole("button", { name: "Pause" }).click();
      await page.getByText("Paused. The batch in flight finishes").waitFor();
      await stateBadge(page, "paused").waitFor();
      // The batch in flight may still commit; after that nothing moves.
      const held = await waitUntil(async () => {
        const first = await status(rebuildId);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const second = await status(rebuildId);
        return first.processed === second.processed && first.state === "paused" ? second : undefined;
      }, "the paused rebuild to hold still");
      await waitUntil(async () => (await progressValue(page)) === held.percent, "the bar to show the held percent");
      await expect(page.locator('[data-stat="rate"] dd').textContent()).resolves.toBe("paused");
      await saveScreenshot(page, "rebuild-paused");

      await page.getByRole("button", { name: "Resume" }).click();
      await stateBadge(page, "running").waitFor();
      await waitUntil(async () => ((await progressValue(page)) ?? 0) > held.percent, "progress after resuming", 20_000);
      const resumed = await status(rebuildId);
      expect(resumed.state).toBe("running");
      expect(resumed.processed).toBeGreaterThan(held.processed);
      // From the checkpoint, not from scratch: nothing counted twice.
      expect(resumed.counters.found).toBe(resumed.processed);

      // Triggering it again while it runs starts nothing new, and says so.
      await page.getByRole("link", { name: "Projections" }).click();
      await page.getByRole("button", { name: "Rebuild sessionSummary" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Review" }).click();
      await dialog.getByRole("button", { name: "Start rebuild" }).click();
      await dialog.getByText("Already running", { exact: true }).waitFor();
      await expect(dialog.locator("code").first().textContent()).resolves.toBe(rebuildId);
      await savePanelScreenshot(page, "trigger-already-running", { fullPage: false });
      expect(errors).toEqual([]);
    } finally {
      await api.mutation("rebuilds:cancel", { rebuildId });
    }
  });

  it("cancels a rebuild mid-way only once the operator confirms", async () => {
    const rebuildId = await start("rebufferByCdn", { rateLimit: 4_000 });
    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url, hash: `#/rebuilds/${rebuildId}` });
    await page.waitForFunction(() => Number(document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")) > 5);

    await page.getByRole("button", { name: "Cancel rebuild" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel the rebuild of rebufferByCdn?" });
    await dialog.waitFor();
    await savePanelScreenshot(page, "cancel-confirmation", { fullPage: false });
    await dialog.getByRole("button", { name: "Keep it running" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await status(rebuildId)).state).toBe("running");

    await page.getByRole("button", { name: "Cancel rebuild" }).click();
    await dialog.getByRole("button", { name: "Cancel rebuild" }).click();
    await stateBadge(page, "cancelled").waitFor();
    await page.getByText(/^Cancelled after .*, at position \d+\./).waitFor();
    const cancelled = await status(rebuildId);
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.percent).toBeLessThan(100);
    await expect(page.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe(String(cancelled.percent));
    await expect(page.getByRole("button", { name: "Pause" }).count()).resolves.toBe(0);

    const audit = await api.query<{ action: string; outcome: string; rebuildId?: string }[]>("rebuilds:auditLog");
    expect(audit.find((entry) => entry.rebuildId === rebuildId && entry.action === "cancel")?.outcome).toBe("cancelled");
    expect(errors).toEqual([]);
  });
});
