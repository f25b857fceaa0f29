// The package as an app installs it: `npm pack` at the repository root, the tarball installed into
// a fresh project beside the app's own pins, its entry points type-checked and evaluated there.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/bundle-check.ts";

const CONSUMER_SOURCES = join(REPO_ROOT, "test/bundle/consumer");
const FIXTURE_TABLE = join(REPO_ROOT, "../shared/fixtures/iceberg/java_bunnies");

const scratch = mkdtempSync(join(tmpdir(), "reproject-pack-"));
const app = join(scratch, "app");
let tarball = "";

/** The versions the app pins itself, taken from this repository's lockfile. */
function pinned(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));
  return `${name}@${lock.packages[`node_modules/${name}`].version}`;
}

function run(command: string, args: string[], cwd: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

beforeAll(() => {
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: REPO_ROOT, encoding: "utf8" }),
  );
  tarball = join(scratch, packed[0].filename);
  cpSync(CONSUMER_SOURCES, app, { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "order-fulfilment", private: true, type: "module" }));
  const peers = [
    "convex",
    "zod",
    "react",
    "@tanstack/react-query",
    "@convex-dev/react-query",
    "typescript",
    "@types/react",
  ];
  execFileSync("npm", ["install", tarball, ...peers.map(pinned), "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: app,
    stdio: "pipe",
  });
}, 240_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the packed package", () => {
  it("holds compiled entry points with their declarations, and no tests", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const entry of ["registry", "server", "node", "component/convex.config", "react"]) {
      const module = entry.includes("/") ? entry : `${entry}/index`;
      for (const file of [`dist/${module}.js`, `dist/${module}.d.ts`]) expect(listing).toContain(`package/${file}`);
    }
    expect(listing.filter((file) => file.startsWith("package/test/"))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(app, "node_modules/reproject/package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual([
      ".",
      "./server",
      "./node",
      "./convex.config",
      "./_generated/component.js",
      "./react",
      "./test",
      "./package.json",
    ]);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([
      "@convex-dev/react-query",
      "@tanstack/react-query",
      "convex",
      "react",
    ]);
    for (const [name, version] of Object.entries<string>(manifest.dependencies))
      expect(version, name).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("type-checks an app's declarations and dashboard against the installed types", () => {
    const checked = run(join(app, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], app);
    expect(checked.output).toBe("");
    expect(checked.code).toBe(0);
  });

  it("gives the app real types: a handler reading a field its event lacks does not compile", () => {
    const wrong = readFileSync(join(app, "events.ts"), "utf8").replace("event.payload.quantity", "event.payload.price");
    writeFileSync(join(app, "wrong.ts"), wrong);
    try {
      const checked = run(join(app, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], app);
      expect(checked.code).not.toBe(0);
      expect(checked.output).toMatch(/wrong\.ts.*Property 'price' does not exist/);
    } finally {
      rmSync(join(app, "wrong.ts"));
    }
  });

  it("evaluates both entry points in Node from node_modules", () => {
    const evaluated = run(process.execPath, ["--import", "tsx", "run.ts"], app);
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.output.trim().split("\n").at(-1)!);
    expect(report.problems).toEqual([]);
    expect(report.attributes).toEqual(["region", "channel"]);
    expect(report.tables).toEqual(["eventLog", "events", "orderLines", "orders"]);
    expect(report.reactExports).toEqual(
      expect.arrayContaining(["RebuildProgress", "useRebuildControls", "useRebuildStatus", "useProjections"]),
    );
  });

  it("installs the CLI as a bin that reads an Iceberg table", () => {
    const info = run(join(app, "node_modules/.bin/reproject"), ["archive", "info", FIXTURE_TABLE], app);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.output)).toMatchObject({ formatVersion: 2 });
  });
});
