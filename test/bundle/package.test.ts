// The package as an app installs it: `npm pack` at the repository root, the tarball installed into
// examples/order-fulfilment copied out of the repository (test/support/example-global-setup.ts);
// there the app type-checks, its own tests pass, the entry points load in plain Node and the CLI runs.
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../support/bundle-check.ts";
import { installedExample } from "../support/installed-example.ts";

const FIXTURE_TABLE = join(REPO_ROOT, "../shared/fixtures/iceberg/java_bunnies");
const { root: app, tarball } = await installedExample(inject("exampleInstall"));

function run(command: string, args: string[], cwd: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

/** tsc over the example with `file` added at `path`, which is removed afterwards. */
function typeCheckWith(path: string, file: string): { code: number; output: string } {
  writeFileSync(join(app, path), file);
  try {
    return run(join(app, "node_modules/.bin/tsc"), ["--noEmit", "-p", "tsconfig.json"], app);
  } finally {
    rmSync(join(app, path));
  }
}

describe("the packed package, installed in the example app", () => {
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

  it("resolves reproject from the tarball, not from the repository", () => {
    const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(manifest.dependencies.reproject).toBe(`file:../${basename(tarball)}`);
    expect(realpathSync(join(app, "node_modules/reproject")).startsWith(realpathSync(app))).toBe(true);
  });

  it("type-checks the example app (functions, schema, dashboard, tests) against the installed types", () => {
    const checked = run(join(app, "node_modules/.bin/tsc"), ["--noEmit", "-p", "tsconfig.json"], app);
    expect(checked.output).toBe("");
    expect(checked.code).toBe(0);
  });

  it("gives the app real types: a handler reading a field its event lacks does not compile", () => {
    const projections = readFileSync(join(app, "convex/projections.ts"), "utf8");
    expect(projections).toContain("payload.quantity");
    const checked = typeCheckWith("convex/wrong.ts", projections.replaceAll("payload.quantity", "payload.price"));
    expect(checked.code).not.toBe(0);
    expect(checked.output).toMatch(/convex\/wrong\.ts.*Property 'price' does not exist/);
  });

  it("gives the app real types: crons given a module that lacks the engine's functions does not compile", () => {
    const crons = readFileSync(join(app, "convex/crons.ts"), "utf8")
      .replace("import { internal }", "import { api, internal }")
      .replace("internal.reprojectNode", "api.orders");
    const checked = typeCheckWith("convex/wrongCrons.ts", crons);
    expect(checked.code).not.toBe(0);
    expect(checked.output).toMatch(
      /convex\/wrongCrons\.ts.*is missing the following properties from type 'ExportedNodeFunctions'/s,
    );
  });

  it("passes the example's own tests: archive import, rebuild, live orders, a version bump with a shape change, effects", () => {
    const tested = run(join(app, "node_modules/.bin/vitest"), ["run"], app);
    expect(tested.output.replace(/\u001b\[\d+m/g, "")).toMatch(/Tests\s+7 passed \(7\)/);
    expect(tested.code).toBe(0);
  });

  // reproject/convex.config is left to the Convex CLI's bundler, the only thing that loads it: the
  // Workpool's own convex.config.js imports a sibling without its extension, which plain Node refuses.
  it("loads every entry point the app's code imports in plain Node from node_modules", () => {
    const script = ["reproject", "reproject/server", "reproject/node", "reproject/react"]
      .map((entry) => `Object.keys(await import(${JSON.stringify(entry)})).length`)
      .join(", ");
    const evaluated = run(
      process.execPath,
      ["--input-type=module", "-e", `console.log(JSON.stringify([${script}]))`],
      app,
    );
    expect(evaluated.output).not.toMatch(/Error/);
    const exportCounts = JSON.parse(evaluated.output.trim().split("\n").at(-1)!) as number[];
    expect(exportCounts.every((count) => count > 0)).toBe(true);
  });

  it("installs the CLI as a bin that reads an Iceberg table", () => {
    const info = run(join(app, "node_modules/.bin/reproject"), ["archive", "info", FIXTURE_TABLE], app);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.output)).toMatchObject({ formatVersion: 2 });
  });
});
