// Re-driving dead letters from the panel: the demo deployed with a handler bug is rebuilt with the
// dead-letter-key policy chosen in the trigger dialog, the panel groups the letters by reason, and
// once the fix is deployed (the real demo started on the same persisted state) Re-drive applies
// them: the read model equals a rebuild without the bug. A projection that cannot park keys (a
// handler without a prefetch, as in the installed example app) gets the trigger's refusal instead.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DeadLetter, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { readSnapshotFile } from "../../src/local/runtime/persistence.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { demoAppWithHandlerBug } from "../support/demo-app-with-bug.ts";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold.ts";
import { installedExample } from "../support/installed-example.ts";
import { openPanel, RuntimeClient, savePanelScreenshot, startTurnedDownRebuild } from "../support/panel-browser.ts";
import { DEMO, runtimeEnvironment } from "../support/panel-stack.ts";

/** The session with the most events: its second event is the one the bug throws for. */
function victimSession(events: readonly EventRecord[]): EventRecord[] {
  const byStream = new Map<string, EventRecord[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  return [...byStream.values()].reduce((most, session) => (session.length > most.length ? session : most));
}

describe("re-driving dead letters from the panel", () => {
  const archives = inject("panelArchives");
  const events = [...demoEvents(DEMO)];
  const [, victim, ...later] = victimSession(events);
  const parkedRun = [victim!, ...later];
  const persistFile = join(mkdtempSync(join(tmpdir(), "reproject-redrive-")), "state.json");
  let browser: Browser;
  let runtime: LocalRuntimeProcess | undefined;

  /** The local runtime over the demo archive, running the app in `convexDir` (the demo's own by default). */
  const startRuntime = (port: number, convexDir?: string) =>
    startLocalRuntimeProcess({
      port,
      persistFile,
      ...(convexDir ? { convexDir } : {}),
      // Many batches a chunk: the rebuild is not watched while it runs, only its letters afterwards.
      env: { ...runtimeEnvironment(archives.demo, archives.s3Endpoint), REPROJECT_CHUNK_MAX_BATCHES: "20" },
    });

  const buggyApp = demoAppWithHandlerBug(victim!.eventId);
  beforeAll(async () => {
    [browser, runtime] = await Promise.all([launchChromium(), startRuntime(0, buggyApp)]);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    rmSync(dirname(buggyApp), { recursive: true, force: true });
  });

  it("triggers a dead-letter-key rebuild from the dialog, then re-drives its letters after the fix", async () => {
    const buggy = runtime!;
    const api = new RuntimeClient(buggy.url);
    const first = await openPanel(browser, { runtimeUrl: buggy.url });
    await first.page.getByRole("button", { name: "Rebuild sessionSummary" }).click();
    const dialog = first.page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "Dead-letter bad events and park their keys" }).check();
    await dialog.getByRole("button", { name: "Review" }).click();
    await expect(dialog.locator(".fact", { hasText: "Bad events" }).locator("dd").textContent()).resolves.toBe(
      "dead-lettered with every later event of their keys, the rebuild goes on",
    );
    await expect(dialog.getByRole("note", { name: "Parked keys" }).textContent()).resolves.toMatch(/Re-drive/);
    await savePanelScreenshot(first.page, "trigger-dead-letter-key", { fullPage: false });
    await dialog.getByRole("button", { name: "Start rebuild" }).click();
    const rebuildId = (await dialog.locator("code").first().textContent())!;
    await dialog.getByRole("link", { name: "Follow its progress" }).click();
    await first.page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 60_000 });

    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status).toMatchObject({ errorPolicy: "dead-letter-key", counters: { deadLettered: parkedRun.length } });
    const letters = await api.query<DeadLetter[]>("rebuilds:deadLetters", { rebuildId, limit: 500 });
    expect(letters.map((letter) => letter.eventId)).toEqual(parkedRun.map((event) => event.eventId));
    const byReason = first.page.getByRole("list", { name: "Dead letters by reason" }).locator("li");
    await expect(byReason.allTextContents()).resolves.toEqual([
      `${parkedRun.length - 1} parked: parked behind ${victim!.eventId}`,
      `1 handler_error: ${letters[0]!.reason}`,
    ]);
    expect(letters[0]!.reason).toMatch(/TypeError/);
    await saveScreenshot(first.page, "dead-letters-parked");
    expect(first.errors).toEqual([]);
    await first.page.close();

    // The fix is deployed: the demo's own code, on the state the buggy deployment left.
    await buggy.stop();
    runtime = undefined;
    runtime = await startRuntime(Number(new URL(buggy.url).port));
    const fixed = await openPanel(browser, { runtimeUrl: runtime.url, hash: `#/rebuilds/${rebuildId}` });
    await fixed.page.getByRole("button", { name: "Re-drive" }).click();
    const confirm = fixed.page.getByRole("dialog");
    await expect(confirm.textContent()).resolves.toMatch(`generation ${status.generation}`);
    await confirm.getByRole("button", { name: "Re-drive" }).click();
    const outcome = fixed.page.locator('[role="status"][data-answer="completed"]');
    await outcome.waitFor({ timeout: 30_000 });
    await expect(outcome.textContent()).resolves.toBe(
      `Re-drive completed: applied ${parkedRun.length}, still dead-lettered 0.`,
    );
    await saveScreenshot(fixed.page, "dead-letters-redriven");
    expect(fixed.errors).toEqual([]);

    await runtime.stop();
    runtime = undefined;
    const saved = (await readSnapshotFile(persistFile))!;
    const model = saved.databases[""]!.tables.sessionSummary!.filter((doc) => doc.generation === status.generation)
      .map((doc) => doc.document as Record<string, unknown>)
      .sort((a, b) => String(a.streamId).localeCompare(String(b.streamId)));
    expect(model).toEqual(foldSessionSummary(archiveEventsOf(events)));
  }, 120_000);
});

describe("the dead-letter-key policy for a projection that cannot park keys", () => {
  let example: string;
  let browser: Browser;
  let runtime: LocalRuntimeProcess;

  beforeAll(async () => {
    example = (await installedExample(inject("exampleInstall"))).root;
    const scratch = mkdtempSync(join(tmpdir(), "reproject-unkeyed-"));
    const { orderHistory, toJsonLines } = await import(join(example, "tests/history.ts"));
    writeFileSync(join(scratch, "history.jsonl"), toJsonLines(orderHistory(20)));
    const archive = join(scratch, "archive");
    execFileSync(
      join(example, "node_modules/.bin/reproject"),
      ["archive", "import", archive, "--envelope", "convex/envelope.ts", "--from", join(scratch, "history.jsonl")],
      { cwd: example, stdio: "pipe" },
    );
    [browser, runtime] = await Promise.all([
      launchChromium(),
      startLocalRuntimeProcess({ convexDir: join(example, "convex"), env: { REPROJECT_ARCHIVE: archive } }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it("is refused by the trigger, and the dialog says which handlers lack a prefetch", async () => {
    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    await page.getByRole("button", { name: "Rebuild orderSummary" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "Dead-letter bad events and park their keys" }).check();
    const reason =
      'errorPolicy "dead-letter-key" needs a prefetch on every handler of orderSummary, to know the keys an event ' +
      'touches before it runs; none on OrderPlaced, ItemAdded, OrderShipped: add one, or use "dead-letter"';
    await startTurnedDownRebuild(dialog, "Rejected", reason);
    const history = await new RuntimeClient(runtime.url).query<RebuildStatus[]>("rebuilds:history", {
      projection: "orderSummary",
    });
    expect(history.filter((rebuild) => rebuild.errorPolicy === "dead-letter-key")).toEqual([]);
    // The browser logs the refused pre-flight's answer (a ConvexError: HTTP 560), and nothing else.
    expect(errors).toEqual(["Failed to load resource: the server responded with a status of 560 (unknown)"]);
  });
});
