// reproject/react in an app's own admin page: the example app (examples/order-fulfilment/src/),
// installed from the tarball and served by Vite from the example's folder with its own config.
// Its rebuild buttons and live progress bars come from `useRebuildControls`, `useRebuildStatus` and
// `<RebuildProgress>` in the standard `@convex-dev/react-query` setup; the deployment is a stand-in
// speaking Convex's sync protocol over a local runtime that runs the example's functions over an
// archive of its history, imported with the CLI the example installed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEntry, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { startConvexSyncBridge, type ConvexSyncBridge } from "../support/panel-convex-bridge.ts";
import { COUNT, LAPTOP, progressValue, recordProgress, RuntimeClient, waitUntil } from "../support/panel-browser.ts";
import { installedExample } from "../support/installed-example.ts";
import { CHUNK_MAX_BATCHES, startAppPage, type ServedPage } from "../support/panel-stack.ts";

const APP_ADMIN = { subject: "app-admin", name: "Ada App", role: "admin" };
/** About 28,000 events: one batch per chunk makes a rebuild take long enough to act on. */
const ORDERS = 10_000;

const example = (await installedExample(inject("exampleInstall"))).root;

describe("reproject/react in the example app's admin page", () => {
  const scratch = mkdtempSync(join(tmpdir(), "example-dashboard-"));
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let bridge: ConvexSyncBridge;
  let adminPage: ServedPage;
  let api: RuntimeClient;

  beforeAll(async () => {
    const { orderHistory, toJsonLines } = await import(join(example, "tests/history.ts"));
    const history = join(scratch, "history.jsonl");
    writeFileSync(history, toJsonLines(orderHistory(ORDERS)));
    const archive = join(scratch, "archive");
    const reproject = join(example, "node_modules/.bin/reproject");
    execFileSync(reproject, ["archive", "import", archive, "--envelope", "convex/envelope.ts", "--from", history], {
      cwd: example,
      stdio: "pipe",
    });
    [browser, runtime, adminPage] = await Promise.all([
      launchChromium(),
      startLocalRuntimeProcess({
        convexDir: join(example, "convex"),
        env: { REPROJECT_ARCHIVE: archive, REPROJECT_CHUNK_MAX_BATCHES: CHUNK_MAX_BATCHES },
      }),
      startAppPage(example),
    ]);
    bridge = await startConvexSyncBridge(runtime.url);
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await adminPage?.server.close();
    await bridge?.close();
    await runtime?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The admin page, signed in as the app's admin unless `signedIn` is false; with the errors it logs. */
  async function openApp({ signedIn = true } = {}): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: LAPTOP });
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    const url = new URL(adminPage.url);
    url.searchParams.set("convex", bridge.url);
    if (signedIn) {
      const now = Math.floor(Date.now() / 1000);
      url.searchParams.set("token", encodeIdentityToken({ ...APP_ADMIN, iat: now, exp: now + 3600 }));
    }
    await page.goto(url.toString());
    await page.getByRole("heading", { name: "Orders admin" }).waitFor();
    return { page, errors };
  }

  /** Clicks the projection's rebuild button and answers the id of the rebuild it started. */
  async function trigger(section: Locator, projection: string): Promise<string> {
    await section.getByRole("button", { name: `Rebuild ${projection}` }).click();
    await section.getByRole("status").getByText("started", { exact: true }).waitFor();
    const [latest] = await api.query<RebuildStatus[]>("rebuilds:history", { projection, limit: 1 });
    return latest!.rebuildId;
  }

  const progress = (section: Locator, state: string) => section.locator(`.reproject-progress[data-state="${state}"]`);
  const stat = (section: Locator, name: string) => section.locator(`[data-stat="${name}"] dd`).textContent();

  it("starts a rebuild from a button and follows it live to 100%", async () => {
    const { page, errors } = await openApp();
    const section = page.getByRole("region", { name: "regionSales" });
    const rebuildId = await trigger(section, "regionSales");
    const samples = await recordProgress(page);
    await progress(section, "completed").waitFor({ timeout: 60_000 });
    const { values, reloaded } = await samples();
    expect(reloaded).toBe(false);
    expect(values.at(-1)).toBe(100);
    expect(values.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(2);

    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status).toMatchObject({ state: "completed", triggeredBy: { subject: APP_ADMIN.subject } });
    const bar = section.getByRole("progressbar", { name: `Progress of regionSales generation ${status.generation}` });
    await expect(bar.getAttribute("aria-valuetext")).resolves.toBe(
      `100.0%, ${COUNT.format(status.processed)} of ${COUNT.format(status.total!)} events`,
    );
    await expect(stat(section, "processed")).resolves.toBe(
      `${COUNT.format(status.processed)} / ${COUNT.format(status.total!)}`,
    );
    await expect(stat(section, "rate")).resolves.toMatch(/^avg [\d,]+\/s$/);
    await expect(stat(section, "eta")).resolves.toBe("done");
    // The page has no CSS: the bar's bare default still shows it, filled.
    const [barBox, fillBox] = await Promise.all([
      bar.boundingBox(),
      section.locator(".reproject-progress-fill").boundingBox(),
    ]);
    expect(barBox!.height).toBeGreaterThan(0);
    expect(fillBox!.width).toBeCloseTo(barBox!.width, 0);
    // What the rebuild built is what the app's own query reads.
    const sales = await api.query<{ orders: number } | null>("orders:sales", { region: "eu-west", channel: "web" });
    expect(sales!.orders).toBeGreaterThan(0);
    await saveScreenshot(page, "example-admin-page-completed");
    expect(errors).toEqual([]);
  });

  it("pauses, resumes and cancels the rebuild it started, each recorded as the app's admin", async () => {
    // orderSummary writes a document per order: the slower of the two, so there is time to act.
    const { page, errors } = await openApp();
    const section = page.getByRole("region", { name: "orderSummary" });
    const rebuildId = await trigger(section, "orderSummary");
    await waitUntil(async () => ((await progressValue(page)) ?? 0) > 2, "progress past 2%");

    await section.getByRole("button", { name: "Pause" }).click();
    await progress(section, "paused").waitFor();
    await expect(stat(section, "rate")).resolves.toBe("paused");
    await section.getByRole("button", { name: "Resume" }).click();
    await progress(section, "running").waitFor();
    await section.getByRole("button", { name: "Cancel" }).click();
    await progress(section, "cancelled").waitFor();

    const cancelled = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(cancelled.state).toBe("cancelled");
    await expect(section.getByRole("progressbar").getAttribute("aria-valuenow")).resolves.toBe(
      String(cancelled.percent),
    );
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
    const { page, errors } = await openApp({ signedIn: false });
    const section = page.getByRole("region", { name: "regionSales" });
    await section.getByRole("button", { name: "Rebuild regionSales" }).click();
    await expect(section.getByRole("status").textContent()).resolves.toBe(
      "refused: not signed in: admin functions need an authenticated identity",
    );
    await expect(page.getByRole("progressbar").count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });
});
