// e2e global setup: makes sure Debian's Chromium is installed, starts the loopback S3 server with the
// demo archives, a local runtime over the demo archive, and serves the admin panel with Vite,
// pointed at that runtime. Test files that need a runtime of their own start one with
// `startPanelRuntime` and open the panel with `?runtime=<its URL>`.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";
import type { LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { startAdminUi, startArchives, startPanelRuntime, type PanelArchives } from "./panel-stack.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";

declare module "vitest" {
  export interface ProvidedContext {
    adminUiUrl: string;
    /** The local runtime the panel talks to by default (over the demo archive). */
    runtimeUrl: string;
    panelArchives: PanelArchives;
  }
}

function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH} and this user cannot install it. Run: sudo apt-get install -y chromium`,
    );
  }
  try {
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    throw new Error(`Installing Debian's chromium package failed: ${(error as Error).message}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
}

export default async function setup(project: TestProject) {
  // Test workers get this from vitest.config.ts; the S3 clients created here need it too.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  ensureChromium();
  const cleanups: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const { archives, stop } = await startArchives();
    cleanups.push(stop);
    const runtime: LocalRuntimeProcess = await startPanelRuntime(archives.demo, archives.s3Endpoint);
    cleanups.push(() => runtime.stop());
    const adminUi = await startAdminUi({ VITE_LOCAL_RUNTIME_URL: runtime.url });
    cleanups.push(() => adminUi.server.close());
    project.provide("adminUiUrl", adminUi.url);
    project.provide("runtimeUrl", runtime.url);
    project.provide("panelArchives", archives);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
