// Bad events in the archive, as the panel shows them: a failed rebuild names the event and the
// reason; a dead-letter rebuild lists what it set aside and goes on. A local runtime of this file's
// own reads the tampered archive.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DeadLetter, RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { COUNT, counterText, openPanel, RuntimeClient } from "../support/panel-browser.ts";
import { startPanelRuntime } from "../support/panel-stack.ts";

describe("bad events in the panel", () => {
  let browser: Browser;
  let runtime: LocalRuntimeProcess;
  let api: RuntimeClient;
  const archives = inject("panelArchives");
  beforeAll(async () => {
    [browser, runtime] = await Promise.all([launchChromium(), startPanelRuntime(archives.tampered, archives.s3Endpoint)]);
    api = new RuntimeClient(runtime.url);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  /** Triggers rebufferByCdn through the dialog and follows it to the end; returns its id. */
  async function rebuildThroughDialog(page: Page, policy: "Fail at the first bad event" | "Dead-letter bad events and go on") {
    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: policy }).check();
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByRole("button", { name: "Start rebuild" }).click();
    const rebuildId = (await dialog.locator("code").first().textContent())!;
    await dialog.getByRole("link", { name: "Follow its progress" }).click();
    return rebuildId;
  }

  it("shows the exact event, its position, type and the reason a rebuild failed at", async () => {
    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    const rebuildId = await rebuildThroughDialog(page, "Fail at the first bad event");
    await page.locator('.screen-header [data-state="failed"]').waitFor({ timeout: 30_000 });

    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    const [first] = archives.bad;
    expect(status.state).toBe("failed");
    expect(status.lastError).toMatchObject({ eventId: first!.eventId, position: first!.position, eventType: "Rebuffer" });

    const failure = page.getByRole("region", { name: "Why it failed" });
    await expect(failure.getByTestId("failure-reason").textContent()).resolves.toBe(status.lastError!.message);
    expect(status.lastError!.message).toMatch(/JSON/i);
    const fact = (label: string) => failure.locator(".fact", { hasText: label }).locator("dd").textContent();
    await expect(fact("Event id")).resolves.toBe(first!.eventId);
    await expect(fact("Position")).resolves.toBe(String(first!.position));
    await expect(fact("Event type")).resolves.toBe("Rebuffer");
    // Nothing of the failing batch was applied: the checkpoint is before the bad event.
    expect(status.cursor ?? 0).toBeLessThan(first!.position);
    await expect(page.getByRole("button", { name: "Resume" }).isVisible()).resolves.toBe(true);
    await saveScreenshot(page, "rebuild-failed");
    expect(errors).toEqual([]);
  });

  it("lists the dead-lettered events with their reasons and completes the rebuild", async () => {
    const { page, errors } = await openPanel(browser, { runtimeUrl: runtime.url });
    const rebuildId = await rebuildThroughDialog(page, "Dead-letter bad events and go on");
    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 30_000 });

    const deadLetters = await api.query<DeadLetter[]>("rebuilds:deadLetters", { rebuildId });
    expect(deadLetters.map((row) => [row.position, row.eventId])).toEqual(archives.bad.map((bad) => [bad.position, bad.eventId]));
    const table = page.getByRole("table", { name: "Dead letters" });
    const rows = table.locator("tbody tr");
    await expect(rows.count()).resolves.toBe(deadLetters.length);
    for (const [index, letter] of deadLetters.entries()) {
      const cells = await rows.nth(index).locator("td").allTextContents();
      expect(cells.slice(0, 5)).toEqual([String(letter.position), letter.eventId, `${letter.eventType} v${letter.eventVersion}`, letter.kind, letter.reason]);
    }
    const status = await api.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status.counters.deadLettered).toBe(archives.bad.length);
    await expect(counterText(page, "deadLettered")).resolves.toBe(COUNT.format(status.counters.deadLettered));
    await expect(counterText(page, "applied")).resolves.toBe(COUNT.format(status.counters.applied));
    const byReason = page.getByRole("list", { name: "Dead letters by reason" }).locator("li");
    const reasons = new Map<string, number>();
    for (const letter of deadLetters) reasons.set(`${letter.kind}: ${letter.reason}`, (reasons.get(`${letter.kind}: ${letter.reason}`) ?? 0) + 1);
    await expect(byReason.count()).resolves.toBe(reasons.size);
    // Re-drive is for dead-letter-key rebuilds only: these letters' documents folded later events without them.
    await expect(page.getByRole("button", { name: "Re-drive" }).count()).resolves.toBe(0);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON Lines" }).click()]);
    const { readFile } = await import("node:fs/promises");
    const exported = (await readFile((await download.path())!, "utf8")).trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(exported).toEqual(deadLetters);
    expect(download.suggestedFilename()).toBe(`dead-letters-${rebuildId}.jsonl`);
    await saveScreenshot(page, "dead-letters");
    expect(errors).toEqual([]);
  });
});
