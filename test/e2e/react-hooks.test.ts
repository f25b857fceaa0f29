// reproject/react in an app's own admin page (test/support/dashboard-app/): a trigger button and a
// live progress bar from `useRebuildControls`, `useRebuildStatus` and `<RebuildProgress>`, in the
// standard `@convex-dev/react-query` setup. The deployment is a stand-in speaking Convex's sync
// protocol over a local runtime of this file's own.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEntry, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { startConvexSyncBridge, type ConvexSyncBridge } from "../support/panel-convex-bridge.ts";
import { COUNT, LAPTOP, progressValue, recordProgress, RuntimeClient, waitUntil } from "../support/panel-browser.ts";
import { startDashboardApp, startPanelRuntime, type ServedPage } from "../support/panel-stack.ts";

const APP_ADMIN = { subject: "app-admin", name: "Ada App", role: "admin" };

describe("reproject/react in an app's own admin page", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let bridge: ConvexSyncBridge;
  let app: ServedPage;
  let api: RuntimeClient;
  beforeAll(async () => {
    const archives = inject("panelArchives");
    [browser, runtime, app] = await Promise.all([
      launchChromium(),
      startPanelRuntime(archives.demo, archives.s3Endpoint),
      startDashboardApp(),
    ]);
    bridge = await startConvexSyncBridge(runtime.url);
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.server.close();
    await bridge?.close();
    await runtime?.stop();
  });

  /** The page for `projection`, signed in as the app's admin unless `signedIn` is false; with the errors it logs. */
  async function openApp(projection: string, { signedIn = true } = {}): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: LAPTOP });
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    const url = new URL(app.url);
    url.searchParams.set("convex", bridge.url);
    url.searchParams.set("projection", projection);
    if (signedIn) {
      const now = Math.floor(Date.now() / 1000);
      url.searchParams.set("token", encodeIdentityToken({ ...APP_ADMIN, iat: now, exp: now + 3600 }));
    }
    await page.goto(url.toString());
    return { page, errors };
  }

  /** Clicks the trigger button and answers the id of the rebuild it started. */
  async function trigger(page: Page, projection: string): Promise<string> {
    await page.getByRole("button", { name: `Rebuild ${projection}` }).click();
    await page.getByRole("status").getByText("started", { exact: true }).waitFor();
    const [latest] = await api.query<RebuildStatus[]>("rebuilds:history", { projection, limit: 1 });
    return latest!.rebuildId;
  }

  const progress = (page: Page, state: string) => page.locator(`.reproject-progress[data-state="${state}"]`);
  const stat = (page: Page, name: string) => page.locator(`[data-stat="${name}"] dd`).textContent();

  it("starts a rebuild from a button and follows it live to 100%", async () => {
    const { page, errors } = await openApp("rebufferByCdn");
    const rebuildId = await trigger(page, "rebufferByCdn");
    const samples = await recordProgress(page);
    await progress(page, "completed").waitFor({ timeout: 45_000 });
    const { values, reloaded } = await samples();
    expect(reloaded).toBe(false);
    expect(values.at(-1)).toBe(100);
    expect(values.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(2);

    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status).toMatchObject({ state: "completed", triggeredBy: { subject: APP_ADMIN.subject } });
    const bar = page.getByRole("progressbar", { name: `Progress of rebufferByCdn generation ${status.generation}` });
    await expect(bar.getAttribute("aria-valuetext")).resolves.toBe(
      `100.0%, ${COUNT.format(status.processed)} of ${COUNT.format(status.total!)} events`,
    );
    await expect(stat(page, "processed")).resolves.toBe(`${COUNT.format(status.processed)} / ${COUNT.format(status.total!)}`);
    await expect(stat(page, "rate")).resolves.toMatch(/^avg [\d,]+\/s$/);
    await expect(stat(page, "eta")).resolves.toBe("done");
    // The page has no CSS: the bar's bare default still shows it, filled.
    const [barBox, fillBox] = await Promise.all([bar.boundingBox(), page.locator(".reproject-progress-fill").boundingBox()]);
    expect(barBox!.height).toBeGreaterThan(0);
    expect(fillBox!.width).toBeCloseTo(barBox!.width, 0);
    await saveScreenshot(page, "dashboard-app-completed");
    expect(errors).toEqual([]);
  });

  it("pauses, resumes and cancels the rebuild it started, each recorded as the app's admin", async () => {
    // sessionSummary writes a document per session: the slowest of the two, so there is time to act.
    const { page, errors } = await openApp("sessionSummary");
    const rebuildId = await trigger(page, "sessionSummary");
    await waitUntil(async () => ((await progressValue(page)) ?? 0) > 2, "progress past 2%");

    await page.getByRole("button", { name: "Pause" }).click();
    await progress(page, "paused").waitFor();
    await expect(stat(page, "rate")).resolves.toBe("paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await progress(page, "running").waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await progress(page, "cancelled").waitFor();

    const cancelled = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(cancelled.state).toBe("cancelled");
    await expect(page.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe(String(cancelled.percent));
    const audit = await api.query<AuditEntry[]>("rebuilds:auditLog", { limit: 10 });
    const actions = audit
      .filter((entry) => entry.rebuildId === rebuildId)
      .map((entry) => [entry.action, entry.outcome, entry.actor.subject])
      .reverse();
    expect(actions).toEqual([
      ["trigger", "started", APP_ADMIN.subject],
      ["pause", "paused", APP_ADMIN.subject],
      ["resume", "resumed", APP_ADMIN.subject],
      ["cancel", "cancelled", APP_ADMIN.subject],
    ]);
    expect(errors).toEqual([]);
  });

  it("shows a refused trigger in the server's words, with no progress to follow", async () => {
    const { page, errors } = await openApp("rebufferByCdn", { signedIn: false });
    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(
      "refused: not signed in: admin functions need an authenticated identity",
    );
    await expect(page.getByRole("progressbar").count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });
});
