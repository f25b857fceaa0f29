// e2e global setup: makes sure Debian's Chromium is installed and serves the admin panel with Vite.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "vite";
import type { TestProject } from "vitest/node";

export const CHROMIUM_PATH = "/usr/bin/chromium";

declare module "vitest" {
  export interface ProvidedContext {
    adminUiUrl: string;
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
  ensureChromium();
  const server = await createServer({
    configFile: new URL("../../admin-ui/vite.config.ts", import.meta.url).pathname,
    server: { port: 0, strictPort: false, host: "127.0.0.1" },
    logLevel: "warn",
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("Vite did not bind a TCP port for the admin panel");
  project.provide("adminUiUrl", `http://127.0.0.1:${address.port}/`);
  return () => server.close();
}
