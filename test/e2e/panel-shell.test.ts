import { statSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { ADMIN, openPanel } from "../support/panel-browser.ts";

describe("the admin panel's shell", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("names the backend it talks to and offers the configured dev admin to sign in", async () => {
    const { page, errors } = await openPanel(browser, { identity: null });

    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Reproject");
    await expect(page.getByLabel("Backend").textContent()).resolves.toBe(`local runtime ${inject("runtimeUrl")}`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expect(page.getByLabel("Subject").inputValue()).resolves.toBe("local-admin");
    await expect(page.getByLabel("Role").inputValue()).resolves.toBe("admin");

    const screenshot = await saveScreenshot(page, "panel-sign-in");
    expect(statSync(screenshot).size).toBeGreaterThan(1_000);
    expect(errors).toEqual([]);
  });

  it("signs in through the form and lists the registry's projections live", async () => {
    const { page, errors } = await openPanel(browser, { identity: null });
    await page.getByLabel("Subject").fill(ADMIN.subject);
    await page.getByLabel("Display name").fill(ADMIN.name);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();

    await expect(page.getByLabel("Signed in as").textContent()).resolves.toBe(`${ADMIN.name} (${ADMIN.subject})`);
    const rows = page.locator("tr[data-projection]");
    await rows.first().waitFor();
    await expect(rows.evaluateAll((found) => found.map((row) => row.getAttribute("data-projection")))).resolves.toEqual([
      "rebufferByCdn",
      "sessionSummary",
    ]);
    await page.getByText("Live", { exact: true }).waitFor();
    expect(errors).toEqual([]);
  });
});
