// The apps' functions as a deployment receives them: bundled by the pinned Convex CLI (offline),
// each Convex-runtime module evaluated without Node, each "use node" module imported in Node.
// The checks run concurrently (each is its own process; the bundler is most of the time).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { formatReport } from "../../scripts/bundle-check/check.ts";
import { sourceValueExports } from "../../scripts/bundle-check/source-exports.ts";
import {
  invokeBundledAction,
  REPO_ROOT,
  removeWrittenConvexApps,
  runBundleCheck,
  writeComponentAsApp,
  writeConvexApp,
  type BundleCheckRun,
} from "../support/bundle-check.ts";
import { localDemoArchive } from "../support/demo-archive.ts";
import { installedExample } from "../support/installed-example.ts";

const example = (await installedExample(inject("exampleInstall"))).root;

/** Every app this repository ships; each must pass the check as it is. */
const APPS_THAT_DEPLOY: [name: string, root: string][] = [
  ["the demo app (convex/)", REPO_ROOT],
  ["Reproject's component (src/component/)", writeComponentAsApp()],
  ["the example app (examples/order-fulfilment, installed from the tarball)", example],
];

const QUERY = `import { queryGeneric } from "convex/server";\n`;

const appChecks = new Map<string, Promise<BundleCheckRun>>();
/** An app's check, run once and its bundle kept for the tests that run code from it. */
function checkApp(root: string): Promise<BundleCheckRun> {
  let run = appChecks.get(root);
  if (!run) appChecks.set(root, (run = runBundleCheck(root, ["--keep"])));
  return run;
}

let topLevelMistakes: Promise<BundleCheckRun> | undefined;
/** One app with several mistakes only evaluation finds (the bundler accepts all of them). */
function checkTopLevelMistakes(): Promise<BundleCheckRun> {
  topLevelMistakes ??= runBundleCheck(
    writeConvexApp({
      "ok.ts": `${QUERY}export interface Shape { a: number }\nexport const hello = queryGeneric({ args: {}, handler: async () => "hi" });\n`,
      "parquetMagic.ts": `${QUERY}const MAGIC = Buffer.from("PAR1");\nexport const magic = queryGeneric({ args: {}, handler: async () => MAGIC.length });\n`,
      "runtimeVersion.ts": `${QUERY}const major = Number(process.version.slice(1).split(".")[0]);\nexport const version = queryGeneric({ args: {}, handler: async () => major });\n`,
      "instance.ts": `${QUERY}const instance = crypto.randomUUID();\nexport const whoami = queryGeneric({ args: {}, handler: async () => instance });\n`,
      "nodeStuff.ts": `"use node";\nimport { actionGeneric, queryGeneric } from "convex/server";\nexport const act = actionGeneric({ args: {}, handler: async () => 1 });\nexport const count = queryGeneric({ args: {}, handler: async () => 1 });\n`,
    }),
  );
  return topLevelMistakes;
}

let authApp: string | undefined;
/** An app whose convex/auth.config.ts is the example the repository ships. */
function authExampleApp(): string {
  authApp ??= writeConvexApp({
    "auth.config.ts": readFileSync(join(REPO_ROOT, "docs/auth.config.example.ts"), "utf8"),
    "ok.ts": `${QUERY}export const hello = queryGeneric({ args: {}, handler: async () => "hi" });\n`,
  });
  return authApp;
}

describe.concurrent("the Convex bundle check", () => {
  afterAll(async () => {
    removeWrittenConvexApps();
    for (const run of appChecks.values()) {
      const { bundleDir } = (await run).report;
      if (bundleDir) rmSync(dirname(bundleDir), { recursive: true, force: true });
    }
  });

  it.each(APPS_THAT_DEPLOY)(
    "passes for %s: every module loads in its runtime and exports what its source declares",
    async (_name, root) => {
      const { code, report, wallMs } = await checkApp(root);
      expect(report.problems).toEqual([]);
      expect(code).toBe(0);
      expect(report.modules.some((module) => module.environment === "isolate" && module.functions.length > 0)).toBe(
        true,
      );
      for (const module of report.modules.filter((m) => m.environment === "node")) {
        expect(module.functions.every((fn) => fn.kind === "action")).toBe(true);
      }
      console.info(`bundle check of ${root}: ${Math.round(wallMs)} ms`, report.timings);
    },
  );

  it("keeps the demo's Node path working once bundled: its selfCheck probe loads the decoders and reads an archive", async () => {
    const [{ report }, archive] = await Promise.all([checkApp(REPO_ROOT), localDemoArchive(100, 2)]);
    expect(report.ok).toBe(true);
    const result = await invokeBundledAction(
      report.bundleDir!,
      "reprojectNode.js",
      "probeNodeRuntime",
      {},
      { REPROJECT_ARCHIVE: archive },
    );
    expect(result).toMatchObject({ ok: true, archive, summary: expect.stringMatching(/^all 4 steps passed/) });
  });

  it("keeps the example's Node path working once bundled: its probe reads an archive of the app's own envelope", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "example-archive-"));
    const events = join(scratch, "orders.jsonl");
    const order = {
      eventVersion: 1,
      occurredAt: "2026-03-01T10:00:00Z",
      streamId: "order-1",
      attributes: { region: "eu-west", channel: "web" },
    };
    writeFileSync(
      events,
      `${JSON.stringify({ ...order, eventId: "e1", eventType: "OrderPlaced", payload: { customer: "Ada" } })}\n`,
    );
    const archive = join(scratch, "archive");
    execFileSync(
      join(example, "node_modules/.bin/reproject"),
      ["archive", "import", archive, "--envelope", "convex/envelope.ts", "--from", events],
      { cwd: example, stdio: "pipe" },
    );
    const { report } = await checkApp(example);
    const probe = (location: string) =>
      invokeBundledAction(
        report.bundleDir!,
        "reprojectNode.js",
        "probeNodeRuntime",
        {},
        { REPROJECT_ARCHIVE: location },
      );
    expect(await probe(archive)).toMatchObject({ ok: true, summary: expect.stringMatching(/^all 4 steps passed/) });
    // The demo's archive has none of the example's columns: the probe names them.
    const demoArchive = await localDemoArchive(100, 2);
    expect(await probe(demoArchive)).toMatchObject({
      ok: false,
      summary: expect.stringContaining(`it has no column "seq" for the event's position`),
    });
  });

  it('refuses a file without "use node" that imports node:fs, naming the file, the import and the fix', async () => {
    const root = writeConvexApp({
      "settings.ts": `${QUERY}import { readFileSync } from "node:fs";\nexport const hostname = queryGeneric({ args: {}, handler: async () => readFileSync("/etc/hostname", "utf8") });\n`,
    });
    const { code, report } = await runBundleCheck(root);
    expect(code).toBe(1);
    expect(report.problems).toEqual([
      {
        module: "convex/settings.ts",
        problem: expect.stringContaining(`imports "node:fs", a Node module, at convex/settings.ts:2:30`),
        fix: expect.stringContaining(`"use node"`),
      },
    ]);
  });

  it("refuses Buffer at module top level in a Convex-runtime file, at its source line", async () => {
    const { code, report } = await checkTopLevelMistakes();
    expect(code).toBe(1);
    const problem = report.problems.find((p) => p.module === "convex/parquetMagic.ts");
    expect(problem?.problem).toContain("ReferenceError: Buffer is not defined");
    expect(problem?.problem).toContain("convex/parquetMagic.ts:2:15");
    expect(problem?.problem).toContain("has no global `Buffer`");
    expect(problem?.fix).toContain("Uint8Array");
  });

  it("refuses more of process than process.env at module top level", async () => {
    const { report } = await checkTopLevelMistakes();
    const problem = report.problems.find((p) => p.module === "convex/runtimeVersion.ts");
    expect(problem?.problem).toContain("convex/runtimeVersion.ts:2:");
    expect(problem?.problem).toContain("`process` has only `env`");
  });

  it("refuses what Convex refuses while loading modules: cryptographic randomness at import time", async () => {
    const { report } = await checkTopLevelMistakes();
    const problem = report.problems.find((p) => p.module === "convex/instance.ts");
    expect(problem?.problem).toContain("Cannot use cryptographic randomness at import time");
    expect(problem?.fix).toContain("inside a function");
  });

  it('refuses a query in a "use node" file, and accepts the rest of that app', async () => {
    const { report } = await checkTopLevelMistakes();
    expect(report.problems.filter((p) => p.module === "convex/nodeStuff.ts")).toEqual([
      {
        module: "convex/nodeStuff.ts",
        problem: expect.stringContaining('`count` is a query in a "use node" file'),
        fix: expect.any(String),
      },
    ]);
    expect(report.problems.map((p) => p.module).sort()).toEqual([
      "convex/instance.ts",
      "convex/nodeStuff.ts",
      "convex/parquetMagic.ts",
      "convex/runtimeVersion.ts",
    ]);
    expect(report.modules.find((m) => m.source === "convex/ok.ts")?.functions).toEqual([
      { name: "hello", kind: "query", visibility: "public" },
    ]);
    expect(formatReport(report)).toMatch(/FAILED .*: 4 problem\(s\)\n {2}convex\/\w+\.ts: /);
  });

  it("accepts docs/auth.config.example.ts as an app's convex/auth.config.ts once its two variables are set", async () => {
    const { code, report } = await runBundleCheck(authExampleApp(), [
      "--env",
      "AUTH_ISSUER_URL=https://verb-noun-00.clerk.accounts.dev",
      "--env",
      "AUTH_APPLICATION_ID=convex",
    ]);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.modules.map((module) => module.source).sort()).toEqual(["convex/auth.config.ts", "convex/ok.ts"]);
  });

  it("refuses that auth config without AUTH_ISSUER_URL, as a push to a deployment without it would", async () => {
    const { report } = await runBundleCheck(authExampleApp(), ["--env", "AUTH_APPLICATION_ID=convex"]);
    expect(report.problems).toEqual([
      {
        module: "convex/auth.config.ts",
        problem: expect.stringContaining(
          "Environment variable AUTH_ISSUER_URL is used in auth config file but its value was not set",
        ),
        fix: expect.stringContaining("npx convex env set AUTH_ISSUER_URL"),
      },
    ]);
  });

  it("reads a source module's runtime exports: values and re-exports, not types", () => {
    const dir = mkdtempSync(join(tmpdir(), "source-exports-"));
    writeFileSync(
      join(dir, "shared.ts"),
      `export const a = 1;\nexport function b() {}\nexport type T = string;\nexport default 3;\n`,
    );
    writeFileSync(
      join(dir, "module.ts"),
      `import type { T } from "./shared";\ninterface Local { x: T }\nconst c = 2;\nexport { c, c as d, type Local as L };\nexport type { Local };\n` +
        `export * from "./shared.js";\nexport * as all from "./shared";\nexport class K {}\nexport enum E { A }\nexport const { e, f: [g] } = { e: 1, f: [2] };\n`,
    );
    expect([...sourceValueExports(join(dir, "module.ts"))].sort()).toEqual([
      "E",
      "K",
      "a",
      "all",
      "b",
      "c",
      "d",
      "e",
      "g",
    ]);
  });
});
