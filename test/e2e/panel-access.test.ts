// Who may do what, as the panel says it: the backend's refusals in words, the refused attempt in the
// audit log; and the panel on a phone-sized screen.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEntry, RebuildStatus, TriggerAnswer } from "../../admin-ui/src/data/api-types.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { ADMIN, openPanel, PHONE, RuntimeClient, savePanelScreenshot, startTurnedDownRebuild, VIEWER, waitUntil } from "../support/panel-browser.ts";

const VIEWER_REFUSAL = `${VIEWER.subject} does not have the admin role`;

describe("access to the panel", () => {
  let browser: Browser;
  const api = new RuntimeClient(inject("runtimeUrl"));
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("tells a visitor who did not sign in that admin functions need an identity", async () => {
    const { page } = await openPanel(browser, { identity: null });
    await page.getByRole("button", { name: "Continue without signing in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain("not signed in: admin functions need an authenticated identity");
    await expect(page.getByLabel("Signed in as").textContent()).resolves.toBe("Not signed in");
    await expect(page.getByRole("button", { name: "Sign in" }).isVisible()).resolves.toBe(true);
  });

  it("refuses a viewer in words and records the refused trigger in the audit log", async () => {
    const { page } = await openPanel(browser, { identity: VIEWER });
    const refusal = page.getByRole("alert");
    await refusal.waitFor();
    await expect(refusal.locator(".notice-title").textContent()).resolves.toBe("Refused");
    await expect(refusal.locator(".notice-body").textContent()).resolves.toBe(VIEWER_REFUSAL);
    await saveScreenshot(page, "refused-viewer");

    // The projection list is refused too, so the dialog asks for the projection by name.
    await page.getByRole("button", { name: "New rebuild" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Projection").fill("rebufferByCdn");
    await startTurnedDownRebuild(dialog, "Refused", VIEWER_REFUSAL);
    await savePanelScreenshot(page, "refused-trigger", { fullPage: false });
    await dialog.getByRole("button", { name: "Close" }).click();

    // An admin finds the attempt in the audit log.
    await page.getByRole("button", { name: "Switch identity" }).click();
    await page.getByLabel("Subject").fill(ADMIN.subject);
    await page.getByLabel("Display name").fill(ADMIN.name);
    await page.getByLabel("Role").fill("admin");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("link", { name: "Audit log" }).click();
    const row = page.locator(`tr[data-actor="${VIEWER.subject}"][data-action="trigger"][data-outcome="refused"]`).first();
    await row.waitFor();
    const cell = (label: string) => row.locator(`[data-label="${label}"]`).innerText();
    await expect(cell("Who")).resolves.toBe(`${VIEWER.name}\n${VIEWER.subject}`);
    await expect(cell("Projection")).resolves.toBe("rebufferByCdn");
    await expect(cell("Outcome")).resolves.toBe("Refused");
    await expect(cell("Details")).resolves.toBe(VIEWER_REFUSAL);

    const audit = await api.query<AuditEntry[]>("rebuilds:auditLog");
    const entry = audit.find((candidate) => candidate.actor.subject === VIEWER.subject && candidate.action === "trigger");
    expect(entry).toMatchObject({ outcome: "refused", projection: "rebufferByCdn", details: VIEWER_REFUSAL });
    await saveScreenshot(page, "audit-log");
  });

  it("fits a 390px-wide phone screen without sideways scrolling", async () => {
    const rebuildId = await finishedDryRun();
    const { page, errors } = await openPanel(browser, { viewport: PHONE });
    await page.locator("tr[data-projection]").first().waitFor();
    await expectNoSidewaysScroll(page);
    await saveScreenshot(page, "narrow-projections");
    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Add attribute" }).click();
    await expect(dialog.evaluate((element) => element.getBoundingClientRect().right)).resolves.toBeLessThanOrEqual(PHONE.width);
    await savePanelScreenshot(page, "narrow-trigger-dialog", { fullPage: false });
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await page.goto(`${page.url().split("#")[0]}#/rebuilds/${rebuildId}`);
    await page.locator('.screen-header [data-state="completed"]').waitFor();
    await expect(page.getByRole("progressbar").isVisible()).resolves.toBe(true);
    await expectNoSidewaysScroll(page);
    await saveScreenshot(page, "narrow-rebuild");

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.locator("tr[data-action]").first().waitFor();
    await expectNoSidewaysScroll(page);
    await saveScreenshot(page, "narrow-audit-log");
    expect(errors).toEqual([]);
  });

  /** A quick rebuild to show: a filtered dry run of the smallest CDN. */
  async function finishedDryRun(): Promise<string> {
    const answer = await api.mutation<TriggerAnswer>("rebuilds:trigger", {
      projection: "rebufferByCdn",
      options: { dryRun: true, filter: { attributes: { cdn: ["CDN4"] } }, target: "cdn4-check" },
    });
    if (!("rebuildId" in answer)) throw new Error(`trigger answered ${JSON.stringify(answer)}`);
    await waitUntil(
      async () => (await api.query<RebuildStatus>("rebuilds:status", { rebuildId: answer.rebuildId })).state === "completed",
      "the dry run to complete",
    );
    return answer.rebuildId;
  }
});

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content).toBeLessThanOrEqual(widths.viewport);
}
