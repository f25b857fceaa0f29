// Runs scripts/check-convex-bundle.ts as CI does (its own Node process, with the flag
// vm.SourceTextModule needs), and builds throwaway Convex apps for the cases it must refuse.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BundleCheckReport } from "../../scripts/bundle-check/check.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(REPO_ROOT, "scripts/check-convex-bundle.ts");

export interface BundleCheckRun {
  code: number | null;
  report: BundleCheckReport;
  /** Progress lines (how long bundling took, where a kept bundle is). */
  stderr: string;
  wallMs: number;
}

export function runBundleCheck(appRoot: string, extraArgs: string[] = []): Promise<BundleCheckRun> {
  const started = performance.now();
  const args = ["--import", "tsx", "--experimental-vm-modules", "--disable-warning=ExperimentalWarning", SCRIPT, appRoot, "--json", ...extraArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as BundleCheckReport, stderr, wallMs: performance.now() - started });
      } catch {
        reject(new Error(`check-convex-bundle printed no report (exit code ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * A minimal Convex app in a temporary directory: package.json depending on convex, convex.json,
 * the repository's node_modules linked in (the same pinned CLI), and `files` under `convex/`.
 */
export function writeConvexApp(files: Record<string, string>, convexJson: object = { functions: "convex/" }): string {
  const root = newApp(convexJson);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, "convex", path)), { recursive: true });
    writeFileSync(join(root, "convex", path), text);
  }
  return root;
}

/**
 * Reproject's component as the functions of a throwaway app: `--debug-bundle-path` writes only the
 * root app's modules, so the component is checked as a root. The package's `src/` is copied (the
 * component imports its siblings) without the component's convex.config.ts, which only the
 * bundling of an app that installs it reads.
 */
export function writeComponentAsApp(): string {
  const root = newApp({ functions: "src/component/" });
  const definition = join(REPO_ROOT, "src", "component", "convex.config.ts");
  cpSync(join(REPO_ROOT, "src"), join(root, "src"), { recursive: true, filter: (source) => source !== definition });
  return root;
}

/** package.json depending on convex, convex.json, and the repository's node_modules linked in (the same pinned CLI). */
function newApp(convexJson: object): string {
  const root = mkdtempSync(join(tmpdir(), "convex-app-"));
  writtenApps.push(root);
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "bundle-check-app", private: true, type: "module", dependencies: { convex: "1.48.0" } }));
  writeFileSync(join(root, "convex.json"), JSON.stringify(convexJson));
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  return root;
}

const writtenApps: string[] = [];

/** Deletes the apps `writeConvexApp` wrote (the node_modules link, not what it points to). */
export function removeWrittenConvexApps(): void {
  for (const root of writtenApps.splice(0)) rmSync(root, { recursive: true, force: true });
}

// Imports a module of a kept Node bundle and calls one action's handler through the entry point a
// deployment calls (`invokeAction`), as Convex's Node executor would; prints its JSON result.
const INVOKE_ACTION = `
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
const [file, name, args] = process.argv.slice(1);
globalThis.require = createRequire(file);
const module = await import(pathToFileURL(file).href);
process.stdout.write(await module[name].invokeAction("bundle-check", JSON.stringify([JSON.parse(args)])));
`;

/** Runs `name` from `node/<modulePath>` of a bundle kept by `--keep`, in a fresh Node process with only `env`. */
export function invokeBundledAction(bundleDir: string, modulePath: string, name: string, args: object, env: Record<string, string>): Promise<unknown> {
  const file = join(bundleDir, "node", modulePath);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", INVOKE_ACTION, file, name, JSON.stringify(args)], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`${name} failed (exit code ${code}):\n${stderr}`))));
  });
}
