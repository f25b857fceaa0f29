// Helpers for the admin panel's browser tests: identities, opening the panel signed in, calling the
// local runtime's HTTP API as an admin (to check what the panel shows), waiting and sampling.
import { mkdirSync } from "node:fs";
import type { Browser, Locator, Page } from "playwright-core";
import { expect, inject } from "vitest";
import { SCREENSHOT_DIR } from "./browser.ts";
import { encodeIdentityToken, type LocalIdentity } from "../../src/local/runtime/identity.ts";

export const ADMIN = { subject: "e2e-admin", name: "Edith Admin", role: "admin" } as const;
export const VIEWER = { subject: "viewer-1", name: "Vic Viewer", role: "viewer" } as const;

export const LAPTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** The local runtime's HTTP API, as the panel's backend sees it. */
export class RuntimeClient {
  constructor(
    readonly url: string,
    private readonly identity: LocalIdentity | null = ADMIN,
  ) {}

  query<T>(path: string, args: object = {}): Promise<T> {
    return this.call("query", path, args);
  }

  mutation<T>(path: string, args: object = {}): Promise<T> {
    return this.call("mutation", path, args);
  }

  private async call<T>(kind: "query" | "mutation", path: string, args: object): Promise<T> {
    const response = await fetch(`${this.url}/api/${kind}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(this.identity ? { Authorization: `Bearer ${encodeIdentityToken(this.identity)}` } : {}),
      },
      body: JSON.stringify({ path, args }),
    });
    const body = (await response.json()) as { status: string; value?: T; errorMessage?: string };
    if (body.status !== "success") throw new Error(`${path} failed: ${body.errorMessage}`);
    return body.value as T;
  }
}

export interface OpenPanelOptions {
  /** Another local runtime than the one the panel is configured with. */
  runtimeUrl?: string;
  hash?: string;
  /** Signed in as this identity; null: the sign-in form shows. */
  identity?: LocalIdentity | null;
  viewport?: { width: number; height: number };
}

export interface PanelPage {
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
}

export function panelUrl({ runtimeUrl, hash = "#/projections" }: Pick<OpenPanelOptions, "runtimeUrl" | "hash"> = {}): string {
  const base = inject("adminUiUrl");
  return `${base}${runtimeUrl ? `?runtime=${encodeURIComponent(runtimeUrl)}` : ""}${hash}`;
}

/** A new page (its own storage) showing the panel, signed in as `identity` unless it is null. */
export async function openPanel(browser: Browser, options: OpenPanelOptions = {}): Promise<PanelPage> {
  const page = await browser.newPage({ viewport: options.viewport ?? LAPTOP });
  const errors: string[] = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  const identity = options.identity === undefined ? ADMIN : options.identity;
  if (identity) {
    const key = `reproject.session:${options.runtimeUrl ?? inject("runtimeUrl")}`;
    const session = JSON.stringify({ kind: "dev-identity", identity });
    // Only on the first load: a later "Switch identity" must stick.
    await page.addInitScript(
      ([key, session]) => {
        if (!sessionStorage.getItem("e2e-signed-in")) {
          sessionStorage.setItem("e2e-signed-in", "1");
          localStorage.setItem(key!, session!);
        }
      },
      [key, session],
    );
  }
  await page.goto(panelUrl(options));
  return { page, errors };
}

/** The value of the first progress bar on the page, or null. */
export async function progressValue(page: Page): Promise<number | null> {
  const value = await page.getByRole("progressbar").first().getAttribute("aria-valuenow");
  return value === null ? null : Number(value);
}

/**
 * Records every value the page's progress bar takes from now on (a MutationObserver in the page),
 * where the bar, the live numbers and the counters sit while it runs (a layout that moves as
 * numbers tick is a bug), and marks the document so that a reload would be noticed.
 */
export async function recordProgress(
  page: Page,
): Promise<() => Promise<{ values: number[]; reloaded: boolean; runningLayouts: string[] }>> {
  await page.waitForSelector('[role="progressbar"]');
  await page.evaluate(() => {
    const samples: number[] = [];
    const layouts = new Set<string>();
    const boxOf = (selector: string) => {
      const box = document.querySelector(selector)?.getBoundingClientRect();
      return box ? [box.x, box.y, box.width, box.height].map(Math.round) : null;
    };
    const record = () => {
      const value = document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow");
      if (value == null) return;
      if (samples.at(-1) !== Number(value)) samples.push(Number(value));
      if (Number(value) > 0 && Number(value) < 100) {
        layouts.add(JSON.stringify(['[role="progressbar"]', ".reproject-progress-stats", ".counter-grid"].map(boxOf)));
      }
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    Object.assign(window, { __progressSamples: samples, __progressLayouts: layouts, __sameDocument: true });
  });
  return () =>
    page.evaluate(() => {
      const state = window as unknown as { __progressSamples?: number[]; __progressLayouts?: Set<string>; __sameDocument?: boolean };
      return {
        values: state.__progressSamples ?? [],
        reloaded: state.__sameDocument !== true,
        runningLayouts: [...(state.__progressLayouts ?? [])],
      };
    });
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Text of the element with `data-counter=name` (its value cell). */
export async function counterText(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-counter="${name}"] dd`).textContent()) ?? "";
}

export const COUNT = new Intl.NumberFormat("en-US");

/** A screenshot under test-results/: the whole page, or only what the viewport shows (for dialogs). */
export async function savePanelScreenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Reviews and starts the rebuild the trigger dialog holds, which the backend turns down for `reason`:
 * the review's pre-flight plan is refused first, for the same reason, then the trigger answers with a
 * notice titled `title` ("Refused" or "Rejected").
 */
export async function startTurnedDownRebuild(dialog: Locator, title: string, reason: string): Promise<void> {
  await dialog.getByRole("button", { name: "Review" }).click();
  const planRefusal = dialog.getByRole("alert").filter({ hasText: "Could not plan this rebuild" });
  await expect(planRefusal.locator(".notice-body").textContent()).resolves.toContain(reason);
  await dialog.getByRole("button", { name: "Start rebuild" }).click();
  await dialog.getByRole("heading", { name: "Rebuild not started" }).waitFor();
  const answer = dialog.getByRole("alert");
  await expect(answer.locator(".notice-title").textContent()).resolves.toBe(title);
  await expect(answer.locator(".notice-body").textContent()).resolves.toBe(reason);
}
