// The example app as a user has it: `npm pack` at the repository root, examples/order-fulfilment
// copied out of the repository, the tarball installed there with the example's own pins. Done once
// per test run, whichever project asks first; removed when the run's process exits.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./bundle-check.ts";

export interface InstalledExample {
  /** The example's root, with node_modules holding the packed reproject. */
  root: string;
  tarball: string;
}

const EXAMPLE = join(REPO_ROOT, "examples/order-fulfilment");

export function installExample(): InstalledExample {
  const scratch = join(tmpdir(), `reproject-example-${process.pid}`);
  const root = join(scratch, "order-fulfilment");
  const done = join(scratch, "installed.json");
  if (existsSync(done)) return { root, tarball: JSON.parse(readFileSync(done, "utf8")).tarball };
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: REPO_ROOT, encoding: "utf8" }),
  );
  const tarball = join(scratch, packed[0].filename);
  cpSync(EXAMPLE, root, { recursive: true, filter: (path) => !path.includes("node_modules") });
  execFileSync("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "pipe",
  });
  writeFileSync(done, JSON.stringify({ tarball }));
  process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  return { root, tarball };
}
