import { statSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, saveScreenshot } from "../support/browser.ts";

describe("the admin panel", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("renders its shell in Chromium and names the backend it talks to", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));

    await page.goto(inject("adminUiUrl"));
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Reproject");
    await expect(page.getByRole("heading", { name: "Projections" }).isVisible()).resolves.toBe(true);
    await expect(page.getByLabel("Backend").textContent()).resolves.toMatch(/^local runtime http:\/\/127\.0\.0\.1:\d+$/);

    const screenshot = await saveScreenshot(page, "panel-shell");
    expect(statSync(screenshot).size).toBeGreaterThan(1_000);
    expect(consoleErrors).toEqual([]);
  });
});
