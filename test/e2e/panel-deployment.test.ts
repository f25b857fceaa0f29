// The panel's other transport: a Convex deployment through `ConvexReactClient` and
// `@convex-dev/react-query`. No deployment is reachable here, so a stand-in speaks Convex's sync
// protocol over a WebSocket and runs the functions on the local runtime.
import type { Browser, WebSocket } from "playwright-core";
import type { ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RebuildStatus } from "../../admin-ui/src/data/api-types.ts";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { launchChromium, saveScreenshot } from "../support/browser.ts";
import { startConvexSyncBridge, type ConvexSyncBridge } from "../support/panel-convex-bridge.ts";
import { COUNT, counterText, LAPTOP, recordProgress, RuntimeClient } from "../support/panel-browser.ts";
import { startAdminUi } from "../support/panel-stack.ts";

const DEPLOY_ADMIN = { subject: "deploy-admin", name: "Dana Deploy", role: "admin" };

describe("the panel against a Convex deployment", () => {
  let browser: Browser;
  let bridge: ConvexSyncBridge;
  let adminUi: { url: string; server: ViteDevServer };
  const runtime = new RuntimeClient(inject("runtimeUrl"));
  beforeAll(async () => {
    bridge = await startConvexSyncBridge(inject("runtimeUrl"));
    [browser, adminUi] = await Promise.all([launchChromium(), startAdminUi({ VITE_CONVEX_URL: bridge.url })]);
  });
  afterAll(async () => {
    await browser?.close();
    await adminUi?.server.close();
    await bridge?.close();
  });

  it("says the visitor is not signed in and shows the deployment's refusal", async () => {
    const page = await browser.newPage({ viewport: LAPTOP });
    await page.goto(adminUi.url);
    await expect(page.getByLabel("Backend").textContent()).resolves.toBe(`Convex deployment ${bridge.url}`);
    await page.getByText("You are not signed in.").waitFor();
    await page.getByRole("button", { name: "Continue without signing in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await expect(alert.locator(".notice-body").textContent()).resolves.toBe(
      "not signed in: admin functions need an authenticated identity",
    );
    await expect(page.getByLabel("Signed in as").textContent()).resolves.toBe("Not signed in");
  });

  it("signs in with an ID token and follows a rebuild pushed over the Convex client's WebSocket", async () => {
    const page = await browser.newPage({ viewport: LAPTOP });
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    const sockets: WebSocket[] = [];
    page.on("websocket", (socket) => sockets.push(socket));
    await page.goto(adminUi.url);

    const now = Math.floor(Date.now() / 1000);
    const token = encodeIdentityToken({ ...DEPLOY_ADMIN, iat: now, exp: now + 3600 });
    await page.getByLabel("ID token (JWT)").fill(token);
    await page.getByRole("button", { name: "Sign in with this token" }).click();
    await page.getByText("token accepted").waitFor();
    await expect(page.getByLabel("Signed in as").textContent()).resolves.toBe(`${DEPLOY_ADMIN.name} (${DEPLOY_ADMIN.subject})`);
    await page.locator('tr[data-projection="rebufferByCdn"]').waitFor();
    expect(sockets.map((socket) => socket.url())).toContain(`${bridge.url.replace("http", "ws")}/api/1.48.0/sync`);

    await page.getByRole("button", { name: "Rebuild rebufferByCdn" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Add attribute" }).click();
    await dialog.getByLabel("Attribute 1 name").fill("cdn");
    await dialog.getByLabel("Attribute 1 value").fill("CDN2");
    await dialog.getByRole("checkbox", { name: "Dry run" }).check();
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByRole("button", { name: "Start rebuild" }).click();
    await dialog.getByText("Rebuild started").waitFor();
    const rebuildId = (await dialog.locator("code").first().textContent())!;
    await dialog.getByRole("link", { name: "Follow its progress" }).click();

    const samples = await recordProgress(page);
    await page.locator('.screen-header [data-state="completed"]').waitFor({ timeout: 45_000 });
    const { values, reloaded } = await samples();
    expect(reloaded).toBe(false);
    expect(values.at(-1)).toBe(100);
    expect(values.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(2);

    const status = await runtime.query<RebuildStatus>("rebuilds:status", { rebuildId });
    expect(status).toMatchObject({ state: "completed", dryRun: true, triggeredBy: { subject: DEPLOY_ADMIN.subject } });
    for (const [name, value] of Object.entries(status.counters)) {
      expect(await counterText(page, name), `counter ${name}`).toBe(COUNT.format(value));
    }
    expect(bridge.received.get("Mutation")).toBeGreaterThanOrEqual(1);
    await saveScreenshot(page, "deployment-rebuild");
    expect(errors).toEqual([]);
  });
});
