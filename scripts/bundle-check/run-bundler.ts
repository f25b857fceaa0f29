// Runs the app's own (pinned) Convex CLI up to the end of its bundling step, offline:
//   convex deploy --debug-bundle-path DIR --typecheck disable --codegen disable -y
// against a self-hosted URL nobody listens on. `deploy` bundles in `runPush`
// (convex/dist/esm/cli/lib/components.js), and with `--debug-bundle-path` it writes the bundle
// (`handleDebugBundlePath`, cli/lib/debugBundlePath.js) and returns before any request. The hidden
// `--debug-node-apis` flag is not needed (`deploy` rejects it: it exists on `dev` and `codegen`,
// and bundles only the non-Node entry points).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One module of `fullConfig.json`, as the CLI would push it. */
export interface BundledModule {
  /** Relative to the functions directory, `.js`: `replay/chunk.js`, `_deps/node/ABC.js`. */
  path: string;
  environment: "isolate" | "node";
}

export interface ConvexBundle {
  /** Holds `isolate/`, `node/` and `fullConfig.json`. */
  dir: string;
  modules: BundledModule[];
  /** Packages the deployment installs for Node modules (`nodeDependencies`). */
  nodeDependencies: { name: string; version: string }[];
  /** The functions directory from convex.json, resolved. */
  functionsDir: string;
  /** The CLI's own output (stdout and stderr). */
  output: string;
  durationMs: number;
}

/** The CLI stopped before writing a bundle: esbuild refused a module, convex.json is wrong... */
export class BundlerFailure extends Error {
  override name = "BundlerFailure";
  constructor(
    message: string,
    readonly output: string,
    readonly durationMs = 0,
  ) {
    super(message);
  }
}

// An unused loopback port: the CLI resolves a deployment from these but never contacts it.
const OFFLINE_DEPLOYMENT = "CONVEX_SELF_HOSTED_URL=http://127.0.0.1:9\nCONVEX_SELF_HOSTED_ADMIN_KEY=x\n";

export async function bundleConvexApp(appRoot: string, workDir = mkdtempSync(join(tmpdir(), "convex-bundle-"))): Promise<ConvexBundle> {
  const cli = convexCliOf(appRoot);
  const dir = join(workDir, "bundle");
  // The deployment comes from --env-file, which the CLI reads instead of the environment and
  // .env.local: an app's CONVEX_DEPLOYMENT there (or a CI's CONVEX_DEPLOY_KEY) cannot redirect it.
  const envFile = join(workDir, "offline.env");
  writeFileSync(envFile, OFFLINE_DEPLOYMENT);
  const started = performance.now();
  const args = [cli, "deploy", "--env-file", envFile, "--debug-bundle-path", dir, "--typecheck", "disable", "--codegen", "disable", "-y"];
  const { code, output } = await run(process.execPath, args, appRoot);
  const durationMs = performance.now() - started;
  if (code !== 0 || !/Wrote bundle and metadata/.test(output)) {
    rmSync(dir, { recursive: true, force: true });
    throw new BundlerFailure(`the Convex CLI could not bundle ${appRoot} (exit code ${code})`, output, durationMs);
  }
  const config = JSON.parse(readFileSync(join(dir, "fullConfig.json"), "utf8")) as {
    projectConfig: { functions?: string };
    modules: BundledModule[];
    nodeDependencies?: { name: string; version: string }[];
  };
  return {
    dir,
    modules: config.modules.map(({ path, environment }) => ({ path, environment })),
    nodeDependencies: config.nodeDependencies ?? [],
    functionsDir: join(appRoot, config.projectConfig.functions ?? "convex/"),
    output,
    durationMs,
  };
}

/** The `convex` bin the app depends on (its node_modules), not whatever `npx` would find. */
function convexCliOf(appRoot: string): string {
  try {
    const packageJson = createRequire(join(appRoot, "package.json")).resolve("convex/package.json");
    return join(dirname(packageJson), "bin", "main.js");
  } catch {
    throw new BundlerFailure(`${appRoot} has no convex package in its node_modules: run npm install there first`, "");
  }
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, output }));
  });
}
