// `reproject rebuilds`, run as an operator would against a deployment: here a local runtime served
// over HTTP (the same API), called through the app's public admin functions with an admin's token.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { runCli } from "../support/cli.ts";
import { localDemoArchive, tamperedDemoArchive } from "../support/demo-archive.ts";

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

  it("triggers a rebuild in lanes and watches it: the sum, and how many lanes are done", async () => {
    const triggered = await cli(["trigger", "sessionSummary", "--lanes", "4", "--watch"]);
    expect(triggered.stderr).not.toMatch(/reproject rebuilds:/);
    expect(triggered.code).toBe(0);
    expect(triggered.stdout).toMatch(/sessionSummary v1: completed, 30,000 events\n$/);
    expect(triggered.stderr).toMatch(/sessionSummary v1: 30,000 \/ 30,000 .*lanes 4: 4 done/);
    const rebuildId = /started ([a-z0-9]+)/.exec(triggered.stdout)![1]!;
    const status = JSON.parse((await cli(["status", rebuildId])).stdout) as {
      lanes: { processed: number; done: boolean }[];
    };
    expect(status.lanes.map((lane) => lane.done)).toEqual([true, true, true, true]);
    expect(status.lanes.reduce((sum, lane) => sum + lane.processed, 0)).toBe(30_000);

    const badLanes = await cli(["trigger", "sessionSummary", "--lanes", "17"]);
    expect(badLanes).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--lanes must be a whole number from 1 to 16, got "17"'),
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

describe("reproject rebuilds dead-letters", () => {
  let runtime: LocalRuntimeProcess;
  const cli = (args: string[]) => runCli(["rebuilds", ...args, "--url", runtime.url, "--token", ADMIN_TOKEN]);
  /** 600 Rebuffer events with broken JSON among 3,000 events: more than one page of dead letters. */
  const BROKEN = 600;
  beforeAll(async () => {
    const archive = await tamperedDemoArchive(3_000, 12, (events) => {
      for (const event of events.filter((candidate) => candidate.eventType === "Rebuffer").slice(0, BROKEN))
        event.payload = '{"durationMs": 1';
    });
    runtime = await startLocalRuntimeProcess({ env: { REPROJECT_ARCHIVE: archive } });
  });
  afterAll(() => runtime?.stop());

  it("counts a rebuild's dead letters by reason, exports every page as JSON Lines, and says why a re-drive is refused", async () => {
    const triggered = await cli(["trigger", "rebufferByCdn", "--error-policy", "dead-letter", "--watch"]);
    expect(triggered.code).toBe(0);
    const rebuildId = /started ([a-z0-9]+)/.exec(triggered.stdout)![1]!;
    const file = join(mkdtempSync(join(tmpdir(), "reproject-letters-")), "letters.jsonl");
    const listed = await cli(["dead-letters", rebuildId, "--export", file]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^\s+600 {2}invalid_event: payload is not valid JSON: .*\n600 dead letters, written to /,
    );
    const lines = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(BROKEN);
    const positions = lines.map((letter) => letter.position);
    expect(new Set(positions).size).toBe(BROKEN);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));

    const redrive = await cli(["dead-letters", rebuildId, "--redrive"]);
    expect(redrive.code).toBe(1);
    expect(redrive.stdout).toMatch(/re-drive .*: rejected: .*re-drive needs "dead-letter-key"/);
    const badPolicy = await cli(["trigger", "rebufferByCdn", "--error-policy", "skip"]);
    expect(badPolicy).toMatchObject({ code: 2, stderr: expect.stringContaining("--error-policy must be one of") });
  });
});
