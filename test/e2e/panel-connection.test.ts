// Losing the backend is said in words: a runtime that cannot be reached, and one that goes away and
// comes back while the panel is open.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { openPanel } from "../support/panel-browser.ts";
import { startPanelRuntime } from "../support/panel-stack.ts";

describe("the panel's connection to the local runtime", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess | undefined;
  const archives = inject("panelArchives");
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it("says it cannot reach a runtime that is not running", async () => {
    // Port 9 (discard) has nothing listening on loopback.
    const { page } = await openPanel(browser, { runtimeUrl: "http://127.0.0.1:9" });
    const alert = page.getByRole("alert").filter({ has: page.locator(".notice-title") });
    await alert.waitFor();
    await expect(alert.locator(".notice-title").textContent()).resolves.toBe("Cannot reach the backend");
    await expect(alert.locator(".notice-body").textContent()).resolves.toMatch(/^cannot reach the local runtime at http:\/\/127\.0\.0\.1:9 /);
    await page.getByText("Reconnecting…").waitFor();
    await saveScreenshot(page, "runtime-unreachable");
  });

  it("tells the operator when live updates stop, and recovers when the runtime is back", async () => {
    runtime = await startPanelRuntime(archives.demo, archives.s3Endpoint);
    const port = Number(new URL(runtime.url).port);
    const { page } = await openPanel(browser, { runtimeUrl: runtime.url });
    await page.locator("tr[data-projection]").first().waitFor();
    await page.getByText("Live", { exact: true }).waitFor();

    await runtime.stop();
    runtime = undefined;
    const banner = page.getByRole("alert").filter({ hasText: "Live updates interrupted" });
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toContain(`lost the live connection to the local runtime at http://127.0.0.1:${port}`);
    await page.getByText("Reconnecting…").waitFor();
    // What was last received stays on screen, marked as possibly out of date.
    await expect(page.locator("tr[data-projection]").count()).resolves.toBe(2);
    await saveScreenshot(page, "connection-lost");

    runtime = await startPanelRuntime(archives.demo, archives.s3Endpoint, { port });
    await page.getByText("Live", { exact: true }).waitFor({ timeout: 15_000 });
    await banner.waitFor({ state: "detached" });
  });
});
