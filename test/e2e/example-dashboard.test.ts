// The example app's own admin page (examples/order-fulfilment/src/), installed from the tarball and
// served by Vite from the example's folder with its own config: a rebuild button and a live progress
// bar from reproject/react, in Chromium, against a local runtime running the example's functions
// over an archive of its history imported with the CLI it installed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { startConvexSyncBridge, type ConvexSyncBridge } from "../support/panel-convex-bridge.ts";
import { ADMIN, COUNT, LAPTOP, recordProgress, RuntimeClient } from "../support/panel-browser.ts";
import { CHUNK_MAX_BATCHES } from "../support/panel-stack.ts";

const ORDERS = 2_500;

describe("the example app's admin page", () => {
  const example = inject("installedExample").root;
  const scratch = mkdtempSync(join(tmpdir(), "example-dashboard-"));
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let bridge: ConvexSyncBridge;
  let page: ViteDevServer;
  let pageUrl = "";

  beforeAll(async () => {
    const { orderHistory, toJsonLines } = await import(join(example, "tests/history.ts"));
    const history = join(scratch, "history.jsonl");
    writeFileSync(history, toJsonLines(orderHistory(ORDERS)));
    const archive = join(scratch, "archive");
    execFileSync(
      join(example, "node_modules/.bin/reproject"),
      ["archive", "import", archive, "--envelope", "convex/envelope.ts", "--from", history],
      { cwd: example, stdio: "pipe" },
    );
    page = await createServer({
      root: example,
      configFile: join(example, "vite.config.ts"),
      server: { port: 0, host: "127.0.0.1" },
      logLevel: "warn",
    });
    [browser, runtime] = await Promise.all([
      launchChromium(),
      startLocalRuntimeProcess({
        convexDir: join(example, "convex"),
        env: { REPROJECT_ARCHIVE: archive, REPROJECT_CHUNK_MAX_BATCHES: CHUNK_MAX_BATCHES },
      }),
      page.listen(),
    ]);
    bridge = await startConvexSyncBridge(runtime.url);
    const address = page.httpServer!.address() as { port: number };
    pageUrl = `http://127.0.0.1:${address.port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await bridge?.close();
    await runtime?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("rebuilds orderSummary from a button, following it live to 100%", async () => {
    const tab = await browser.newPage({ viewport: LAPTOP });
    const errors: string[] = [];
    tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    tab.on("pageerror", (error) => errors.push(error.message));
    const now = Math.floor(Date.now() / 1000);
    const url = new URL(pageUrl);
    url.searchParams.set("convex", bridge.url);
    url.searchParams.set("token", encodeIdentityToken({ ...ADMIN, iat: now, exp: now + 3600 }));
    await tab.goto(url.toString());
    await tab.getByRole("heading", { name: "Orders admin" }).waitFor();

    await tab.getByRole("button", { name: "Rebuild orderSummary" }).click();
    const samples = await recordProgress(tab);
    await tab.locator('.reproject-progress[data-state="completed"]').waitFor({ timeout: 60_000 });
    const { values, reloaded } = await samples();
    expect(reloaded).toBe(false);
    expect(values.at(-1)).toBe(100);
    expect(values.some((value) => value > 0 && value < 100)).toBe(true);

    const api = new RuntimeClient(runtime.url);
    const [latest] = await api.query<
      { rebuildId: string; state: string; processed: number; total: number; generation: number }[]
    >("rebuilds:history", { projection: "orderSummary", limit: 1 });
    expect(latest).toMatchObject({ state: "completed", total: latest!.processed });
    const bar = tab.getByRole("progressbar", { name: `Progress of orderSummary generation ${latest!.generation}` });
    await expect(bar.getAttribute("aria-valuetext")).resolves.toBe(
      `100.0%, ${COUNT.format(latest!.processed)} of ${COUNT.format(latest!.total)} events`,
    );
    const order = await api.query<{ orderId: string; status: string } | null>("orders:order", { orderId: "order-7" });
    expect(order).toMatchObject({ orderId: "order-7" });
    await saveScreenshot(tab, "example-dashboard-completed");
    expect(errors).toEqual([]);
  });
});
