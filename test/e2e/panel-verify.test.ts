// Verify runs from the panel, on a local runtime of this file's own over an archive of its own: a
// verify right after a clean rebuild finds no difference; events backfilled into the archive (never
// seen by the live read model) show up as exactly those differences, with the changed fields; a
// kept shadow is promoted, another discarded, each after a confirmation.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ControlAnswer, ProjectionInfo, RebuildStatus, TriggerAnswer } from "../../admin-ui/src/data/api-types.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { appendToArchive, type WritableTable } from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { generateDemoArchive } from "../../src/local/demo/generate-demo-archive.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { launchChromium } from "../support/browser.ts";
import {
  COUNT,
  LAPTOP,
  openPanel,
  PHONE,
  RuntimeClient,
  savePanelScreenshot,
  waitUntil,
} from "../support/panel-browser.ts";
import { runtimeEnvironment } from "../support/panel-stack.ts";

/** Small: a rebuild or a verify run of rebufferByCdn takes a second or two. */
const ARCHIVE = { events: 4_000, seed: 29 } as const;
const PROJECTION = "rebufferByCdn";

/** Rebuffer events backfilled into the archive: two known keys change, one key is new. */
const BACKFILL: { cdn: string; device: string; durationMs: number }[] = [
  { cdn: "CDN1", device: "Android", durationMs: 1_200 },
  { cdn: "CDN1", device: "Android", durationMs: 800 },
  { cdn: "CDN1", device: "Android", durationMs: 2_000 },
  { cdn: "CDN2", device: "iOS", durationMs: 450 },
  { cdn: "CDN5", device: "SmartTV", durationMs: 3_100 },
  { cdn: "CDN5", device: "SmartTV", durationMs: 900 },
];
const key = (cdn: string, device: string) => JSON.stringify([cdn, device]);

type Status = RebuildStatus;

describe("verify runs from the panel", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let api: RuntimeClient;
  let store: S3ObjectStore;
  let table: WritableTable;
  const archiveEvents = [...demoEvents(ARCHIVE)];
  /** The read model's keys: one document per (cdn, device) with a Rebuffer event. */
  const documentKeys = new Set(
    archiveEvents
      .filter((e) => e.eventType === "Rebuffer")
      .map((e) => key(e.attributes.cdn as string, e.attributes.device as string)),
  );

  beforeAll(async () => {
    const archives = inject("panelArchives");
    const bucket = new URL(archives.demo).host;
    store = new S3ObjectStore(
      { bucket, prefix: "verify" },
      { endpoint: archives.s3Endpoint, region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
    );
    // The runtime reads the archive only when a rebuild is planned: all three start together. Its
    // chunks may run several batches (the other files' runtimes run one, to show progress moving):
    // nothing here watches a bar move, and each run is a Workpool round trip or two instead of six.
    const [launched, archive, started] = await Promise.all([
      launchChromium(),
      generateDemoArchive(store, ARCHIVE),
      startLocalRuntimeProcess({
        env: {
          ...runtimeEnvironment(`s3://${bucket}/verify`, archives.s3Endpoint),
          REPROJECT_CHUNK_MAX_BATCHES: "100",
        },
      }),
    ]);
    [browser, table, runtime] = [launched, archive.table, started];
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  const status = (rebuildId: string) => api.query<Status>("rebuilds:status", { rebuildId });
  const projection = async () =>
    (await api.query<ProjectionInfo[]>("rebuilds:projections")).find((p) => p.name === PROJECTION)!;
  const stateBadge = (page: Page, state: string) => page.locator(`.screen-header [data-state="${state}"]`);

  /** Opens the trigger dialog on Projections, asks for a verify run, reviews it and starts it. */
  async function startVerify(
    page: Page,
    { keepShadow, rateLimit }: { keepShadow: boolean; rateLimit?: number },
  ): Promise<string> {
    await page.getByRole("link", { name: "Projections" }).click();
    await page.getByRole("button", { name: `Rebuild ${PROJECTION}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "Verify (compare, don’t swap)" }).check();
    await dialog.getByRole("heading", { name: `Verify ${PROJECTION}` }).waitFor();
    if (keepShadow) await dialog.getByRole("checkbox", { name: "Keep the shadow for promotion" }).check();
    if (rateLimit) await dialog.getByLabel("Rate limit (events/s)").fill(String(rateLimit));
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByRole("heading", { name: "Start this verify run?" }).waitFor();
    const kind = (await dialog.locator('.review-kind[data-kind="verify"]').textContent())!;
    const { activeGeneration } = await projection();
    expect(kind).toContain(`compared with generation ${activeGeneration} document by document. Nothing is swapped`);
    expect(kind).toContain(keepShadow ? "The shadow is kept afterwards" : "The shadow is deleted once compared.");
    if (keepShadow) await savePanelScreenshot(page, "verify-trigger-review", { fullPage: false });
    await dialog.getByRole("button", { name: "Start verify run" }).click();
    await dialog.getByText("Verify run started").waitFor();
    const rebuildId = (await dialog.locator("code").first().textContent())!;
    await dialog.getByRole("link", { name: "Follow its progress" }).click();
    await page.getByRole("heading", { name: new RegExp(`${PROJECTION} · shadow generation`) }).waitFor();
    return rebuildId;
  }

  /** The four counts of the verify result panel, as the page shows them. */
  async function shownCounts(page: Page): Promise<Record<string, string>> {
    const cells = page.locator("[data-verify-count]");
    const entries = await cells.evaluateAll((found) =>
      found.map((cell) => [cell.getAttribute("data-verify-count")!, cell.querySelector("dd")!.textContent!]),
    );
    return Object.fromEntries(entries);
  }
  const countsOf = (verify: NonNullable<Status["verify"]>) => ({
    compared: COUNT.format(verify.compared),
    changed: COUNT.format(verify.changed),
    onlyInActive: COUNT.format(verify.onlyInActive),
    onlyInShadow: COUNT.format(verify.onlyInShadow),
  });

  it("verifies right after a clean rebuild: no difference, the shadow discarded, a verify run everywhere it is listed", async () => {
    const rebuilt = await api.mutation<TriggerAnswer>("rebuilds:trigger", { projection: PROJECTION });
    if (rebuilt.status !== "started") throw new Error(`trigger answered ${JSON.stringify(rebuilt)}`);
    await waitUntil(
      async () => (await status(rebuilt.rebuildId)).state === "completed",
      "the first rebuild to complete",
    );
    const built = (await projection()).activeGeneration!;

    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    await page.getByRole("button", { name: `Rebuild ${PROJECTION}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: "Verify (compare, don’t swap)" }).check();
    // Filter, target and dry run do not apply to a verify run: disabled, and the hints say why.
    await expect(dialog.getByLabel("From (UTC, inclusive)").isDisabled()).resolves.toBe(true);
    await expect(dialog.getByRole("button", { name: "Add attribute" }).isDisabled()).resolves.toBe(true);
    await expect(dialog.getByLabel("Target name").isDisabled()).resolves.toBe(true);
    await expect(dialog.getByRole("checkbox", { name: "Dry run" }).isDisabled()).resolves.toBe(true);
    await expect(dialog.getByText(/^Not with a verify run/).count()).resolves.toBe(3);
    await savePanelScreenshot(page, "verify-trigger-dialog", { fullPage: false });
    await page.setViewportSize(PHONE);
    await savePanelScreenshot(page, "verify-narrow-trigger-dialog", { fullPage: false });
    await page.setViewportSize(LAPTOP);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // Rate-limited, so that it is still running when the active list shows it.
    const rebuildId = await startVerify(page, { keepShadow: false, rateLimit: 2_000 });
    await page.getByRole("link", { name: /^Active rebuilds/ }).click();
    const card = page.locator(`article[data-rebuild="${rebuildId}"]`);
    await card.locator('[data-tag="verify"]').waitFor();
    await expect(card.locator('[data-testid="verify-line"]').isVisible()).resolves.toBe(true);
    await savePanelScreenshot(page, "verify-active", { fullPage: false });
    await card.getByRole("link", { name: "Details" }).click();
    await stateBadge(page, "completed").waitFor({ timeout: 45_000 });

    const verified = await status(rebuildId);
    expect(verified.mode).toBe("verify");
    expect(verified.verify).toMatchObject({
      activeGeneration: built,
      changed: 0,
      onlyInActive: 0,
      onlyInShadow: 0,
      shadow: "discarded",
    });
    expect(verified.verify!.compared).toBe(documentKeys.size);
    await page.getByTestId("verify-summary").getByText("No difference").waitFor();
    expect(await shownCounts(page)).toEqual(countsOf(verified.verify!));
    await expect(page.getByTestId("shadow-state").textContent()).resolves.toBe("Shadow discarded");
    await expect(page.locator(".diff-sample").count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Promote shadow" }).count()).resolves.toBe(0);
    await expect(page.locator('[data-stat="phase"] dd').textContent()).resolves.toBe("Finished");
    // Nothing was swapped.
    expect((await projection()).activeGeneration).toBe(built);

    await page.getByRole("link", { name: "History" }).click();
    await page.locator(`tr[data-rebuild="${rebuildId}"] [data-tag="verify"]`).waitFor();
    await savePanelScreenshot(page, "verify-history", { fullPage: false });
    await expect(page.locator(`tr[data-rebuild="${rebuilt.rebuildId}"] [data-tag="verify"]`).count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });

  it("shows exactly the documents backfilled events change, field by field, and promotes the kept shadow", async () => {
    const before = (await projection()).activeGeneration!;
    // Events added to the archive behind the live read model's back (a backfill): the active
    // generation never saw them, a rebuild would.
    const last = archiveEvents.at(-1)!;
    const backfill: EventRecord[] = BACKFILL.map(({ cdn, device, durationMs }, i) => ({
      globalPosition: last.globalPosition + 1 + i,
      eventId: `backfill-${i + 1}`,
      eventType: "Rebuffer",
      eventVersion: 2,
      occurredAtMs: last.occurredAtMs + (i + 1) * 1000,
      streamId: `backfill-stream-${cdn}-${device}`,
      attributes: { cdn, device },
      payload: JSON.stringify({ durationMs }),
    }));
    await appendToArchive(store, table, envelope, backfill);
    const sum = (cdn: string, device: string) => BACKFILL.filter((e) => e.cdn === cdn && e.device === device);
    expect(documentKeys.has(key("CDN1", "Android")) && documentKeys.has(key("CDN2", "iOS"))).toBe(true);
    expect(documentKeys.has(key("CDN5", "SmartTV"))).toBe(false);

    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    const rebuildId = await startVerify(page, { keepShadow: true });
    await stateBadge(page, "completed").waitFor({ timeout: 45_000 });
    await page.getByTestId("shadow-state").getByText("Shadow kept").waitFor();

    const verified = await status(rebuildId);
    const verify = verified.verify!;
    expect(verify).toMatchObject({
      activeGeneration: before,
      changed: 2,
      onlyInActive: 0,
      onlyInShadow: 1,
      shadow: "kept",
    });
    expect(verify.compared).toBe(documentKeys.size + 1);
    expect(verify.samples.map((s) => [s.key, s.kind, s.fields ?? []]).sort()).toEqual(
      [
        [key("CDN1", "Android"), "changed", ["rebufferCount", "rebufferMs"]],
        [key("CDN2", "iOS"), "changed", ["rebufferCount", "rebufferMs"]],
        [key("CDN5", "SmartTV"), "only_in_shadow", []],
      ].sort(),
    );
    expect(await shownCounts(page)).toEqual(countsOf(verify));
    await page.getByTestId("verify-summary").getByText(`3 of ${verify.compared} documents differ`).waitFor();

    // The changed document: every field, active → shadow, the changed ones marked, with the delta.
    const changed = page.locator(`article.diff-sample[data-key='${key("CDN1", "Android")}']`);
    await expect(changed.locator(".badge").textContent()).resolves.toBe("Changed");
    const marked = await changed
      .locator("tr[data-changed]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-field")));
    expect(marked).toEqual(["rebufferCount", "rebufferMs"]);
    const sample = verify.samples.find((s) => s.key === key("CDN1", "Android"))!;
    const row = (field: string) => changed.locator(`tr[data-field="${field}"]`);
    await expect(row("rebufferCount").locator('[data-side="active"]').textContent()).resolves.toBe(
      String(sample.active.rebufferCount),
    );
    await expect(row("rebufferCount").locator('[data-side="shadow"]').textContent()).resolves.toBe(
      `${sample.shadow.rebufferCount}+${sum("CDN1", "Android").length}`,
    );
    await expect(row("rebufferMs").locator(".diff-delta").textContent()).resolves.toBe(
      `+${sum("CDN1", "Android").reduce((total, e) => total + e.durationMs, 0)}`,
    );
    await expect(row("cdn").getAttribute("data-changed")).resolves.toBeNull();
    // The new document, whole.
    const added = page.locator(`article.diff-sample[data-key='${key("CDN5", "SmartTV")}']`);
    await expect(added.locator(".badge").textContent()).resolves.toBe("Only in shadow");
    await expect(added.locator('tr[data-field="rebufferCount"] td').textContent()).resolves.toBe("2");
    await expect(added.locator('tr[data-field="rebufferMs"] td').textContent()).resolves.toBe("4000");
    await savePanelScreenshot(page, "verify-result");

    // The same screen on a phone: no sideways scrolling.
    await page.setViewportSize(PHONE);
    await expect(
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).resolves.toBe(0);
    await savePanelScreenshot(page, "verify-narrow");
    await page.setViewportSize(LAPTOP);

    await page.getByRole("button", { name: "Promote shadow" }).click();
    const confirm = page.getByRole("dialog", { name: `Promote the shadow of ${PROJECTION}?` });
    await confirm.waitFor();
    await expect(
      confirm.getByText(`Shadow generation ${verified.generation} becomes the active generation`).isVisible(),
    ).resolves.toBe(true);
    await savePanelScreenshot(page, "verify-promote-confirmation", { fullPage: false });
    await confirm.getByRole("button", { name: `Promote generation ${verified.generation}` }).click();
    await page
      .getByText(
        `Promoted. Generation ${verified.generation} now serves queries; generation ${before} is deleted in the background.`,
      )
      .waitFor();
    await page.getByTestId("shadow-state").getByText("Shadow promoted").waitFor();
    await expect(page.getByRole("button", { name: "Promote shadow" }).count()).resolves.toBe(0);

    expect((await projection()).activeGeneration).toBe(verified.generation);
    expect((await status(rebuildId)).verify!.shadow).toBe("promoted");
    const audit = await api.query<{ action: string; outcome: string; rebuildId?: string }[]>("rebuilds:auditLog");
    expect(audit.find((entry) => entry.rebuildId === rebuildId && entry.action === "promote")?.outcome).toBe(
      "promoted",
    );
    expect(audit.find((entry) => entry.rebuildId === rebuildId && entry.action === "verify_completed")?.outcome).toBe(
      "differences",
    );
    expect(errors).toEqual([]);
  });

  it("discards a kept shadow once the operator confirms, leaving the active generation alone", async () => {
    const active = (await projection()).activeGeneration!;
    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    const rebuildId = await startVerify(page, { keepShadow: true });
    await page.getByTestId("shadow-state").getByText("Shadow kept").waitFor({ timeout: 45_000 });
    // The promoted generation holds the backfill: nothing differs any more.
    const verified = await status(rebuildId);
    expect(verified.verify).toMatchObject({
      activeGeneration: active,
      changed: 0,
      onlyInActive: 0,
      onlyInShadow: 0,
      shadow: "kept",
    });
    expect(await shownCounts(page)).toEqual(countsOf(verified.verify!));

    await page.getByRole("button", { name: "Discard shadow" }).click();
    const confirm = page.getByRole("dialog", { name: `Discard the shadow of ${PROJECTION}?` });
    await confirm.getByRole("button", { name: "Keep it" }).click();
    await confirm.waitFor({ state: "hidden" });
    expect((await status(rebuildId)).verify!.shadow).toBe("kept");

    await page.getByRole("button", { name: "Discard shadow" }).click();
    await confirm.getByRole("button", { name: "Discard shadow" }).click();
    await page
      .getByText("Discarded. The shadow is deleted in the background; the active generation was not touched.")
      .waitFor();
    await page.getByTestId("shadow-state").getByText("Shadow discarded").waitFor();
    expect((await status(rebuildId)).verify!.shadow).toBe("discarded");
    expect((await projection()).activeGeneration).toBe(active);

    // Asked again (e.g. from another tab), the backend says the shadow is no longer kept.
    expect(await api.mutation<ControlAnswer>("rebuilds:discard", { rebuildId })).toMatchObject({ status: "not_kept" });
    expect(errors).toEqual([]);
  });
});
