// `reproject rebuilds`, run as an operator would against a deployment: here a local runtime served
// over HTTP (the same API), called through the app's public admin functions with an admin's token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { runCli } from "../support/cli.ts";
import { localDemoArchive } from "../support/demo-archive.ts";

const now = Math.floor(Date.now() / 1000);
const ADMIN_TOKEN = encodeIdentityToken({ subject: "ops", name: "Ops", role: "admin", iat: now, exp: now + 3600 });
const VIEWER_TOKEN = encodeIdentityToken({ subject: "viewer", role: "viewer", iat: now, exp: now + 3600 });

describe("reproject rebuilds against a deployment's URL", () => {
  let runtime: LocalRuntimeProcess;
  const cli = (args: string[], token: string | null = ADMIN_TOKEN) =>
    runCli(["rebuilds", ...args, "--url", runtime.url, ...(token ? ["--token", token] : [])]);
  beforeAll(async () => {
    const archive = await localDemoArchive(30_000, 11);
    // One batch per chunk: a rebuild lasts long enough to pause, resume and cancel it.
    runtime = await startLocalRuntimeProcess({ env: { REPROJECT_ARCHIVE: archive, REPROJECT_CHUNK_MAX_BATCHES: "1" } });
  });
  afterAll(() => runtime?.stop());

  it("triggers a rebuild and watches it to the end, then lists the projection with its new generation", async () => {
    const triggered = await cli(["trigger", "rebufferByCdn", "--watch"]);
    expect(triggered.stderr).not.toMatch(/reproject rebuilds:/);
    expect(triggered.code).toBe(0);
    expect(triggered.stdout).toMatch(/^rebufferByCdn: started [a-z0-9]+\n/);
    expect(triggered.stdout).toMatch(/rebufferByCdn v1: completed, 30,000 events\n$/);
    const listed = await cli(["list"]);
    expect(listed.stdout).toMatch(/^rebufferByCdn\s+v1 {2}generation \d+, built by v1$/m);
    const history = JSON.parse((await cli(["history", "rebufferByCdn"])).stdout);
    expect(history[0]).toMatchObject({
      projection: "rebufferByCdn",
      state: "completed",
      triggeredBy: { subject: "ops" },
    });
  });

  it("pauses, resumes and cancels a running rebuild by its id", async () => {
    const triggered = await cli(["trigger", "sessionSummary"]);
    const rebuildId = /started ([a-z0-9]+)/.exec(triggered.stdout)![1]!;
    expect((await cli(["pause", rebuildId])).stdout).toBe(`pause ${rebuildId}: paused\n`);
    expect(JSON.parse((await cli(["status", rebuildId])).stdout)).toMatchObject({ state: "paused" });
    expect((await cli(["resume", rebuildId])).stdout).toBe(`resume ${rebuildId}: resumed\n`);
    expect((await cli(["cancel", rebuildId])).stdout).toBe(`cancel ${rebuildId}: cancelled\n`);
    const again = await cli(["cancel", rebuildId]);
    expect(again).toMatchObject({ code: 1, stdout: `cancel ${rebuildId}: not_active\n` });
  });

  it("says why a caller who is not an admin, or not signed in, is refused", async () => {
    const viewer = await cli(["trigger", "rebufferByCdn"], VIEWER_TOKEN);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/reproject rebuilds: the trigger was refused: .*viewer/);
    const anonymous = await cli(["list"], null);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/not signed in/);
    const noUrl = await runCli(["rebuilds", "list"], { CONVEX_URL: "" });
    expect(noUrl).toMatchObject({ code: 2, stderr: expect.stringContaining("--url is required") });
  });
});
