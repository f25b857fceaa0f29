// The example app as a user has it: `npm pack` at the repository root, examples/order-fulfilment
// copied out of the repository, the tarball installed there with the example's own pins. Done once
// per test run, whichever project asks first; removed when the run's process exits.
//
// The install takes tens of seconds of one core, and global setups run one after the other before
// any test: so it runs in the background of the run's process while the other setups and the
// other projects' files go on, and the files that use it wait for it (`installedExample`).
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./bundle-check.ts";

export interface InstalledExample {
  /** The example's root, with node_modules holding the packed reproject. */
  root: string;
  tarball: string;
}

const EXAMPLE = join(REPO_ROOT, "examples/order-fulfilment");
/** Written when the install is done: `{ tarball }`. */
const INSTALLED = "installed.json";
/** Written instead when it failed: the error. */
const FAILED = "failed.txt";

const run = promisify(execFile);

/**
 * Starts packing and installing the example in the background, unless this process already did;
 * returns the scratch directory where `installedExample` finds the outcome.
 */
export function startExampleInstall(): string {
  const scratch = join(tmpdir(), `reproject-example-${process.pid}`);
  // Each project's global setup loads this module anew: the run's process remembers its install.
  const started = globalThis as { reprojectExampleInstall?: string };
  if (started.reprojectExampleInstall === scratch) return scratch;
  started.reprojectExampleInstall = scratch;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  install(scratch).then(
    (tarball) => record(scratch, INSTALLED, JSON.stringify({ tarball })),
    (error: Error & { stderr?: string }) => record(scratch, FAILED, `${error.message}\n${error.stderr ?? ""}`),
  );
  return scratch;
}

/** Writes an outcome whole (written aside, then renamed), so that a waiting file never reads half of it. */
function record(scratch: string, name: string, text: string): void {
  writeFileSync(join(scratch, `${name}.partial`), text);
  renameSync(join(scratch, `${name}.partial`), join(scratch, name));
}

async function install(scratch: string): Promise<string> {
  const packed = JSON.parse(
    (await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: REPO_ROOT, maxBuffer: 64 * 2 ** 20 }))
      .stdout,
  );
  const tarball = join(scratch, packed[0].filename);
  const root = join(scratch, "order-fulfilment");
  cpSync(EXAMPLE, root, { recursive: true, filter: (path) => !path.includes("node_modules") });
  await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: root,
    maxBuffer: 64 * 2 ** 20,
  });
  return tarball;
}

/** In a test file: the installed example once the background install is done, or its failure as an error. */
export async function installedExample(scratch: string): Promise<InstalledExample> {
  const outcome = () => {
    if (existsSync(join(scratch, INSTALLED))) return "done";
    if (existsSync(join(scratch, FAILED))) return "failed";
    return undefined;
  };
  if (!outcome()) {
    await new Promise<void>((resolve) => {
      const watcher = watch(scratch, () => {
        if (outcome()) resolve(watcher.close());
      });
      // It may have ended between the first look and the watch.
      if (outcome()) resolve(watcher.close());
    });
  }
  if (outcome() === "failed") {
    throw new Error(`packing or installing the example app failed:\n${readFileSync(join(scratch, FAILED), "utf8")}`);
  }
  const { tarball } = JSON.parse(readFileSync(join(scratch, INSTALLED), "utf8")) as { tarball: string };
  return { root: join(scratch, "order-fulfilment"), tarball };
}
