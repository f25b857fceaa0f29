// `reproject plan`, on the local runtime hosted by the CLI (--archive) and on a deployment's URL
// (here a local runtime served over HTTP, called with an admin's token).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { runCli } from "../support/cli.ts";
import { localDemoArchive } from "../support/demo-archive.ts";

const now = Math.floor(Date.now() / 1000);
const ADMIN_TOKEN = encodeIdentityToken({ subject: "ops", name: "Ops", role: "admin", iat: now, exp: now + 3600 });
const VIEWER_TOKEN = encodeIdentityToken({ subject: "viewer", role: "viewer", iat: now, exp: now + 3600 });

let archive = "";
beforeAll(async () => {
  archive = await localDemoArchive(8_000, 23);
});

describe("reproject plan on the local runtime", () => {
  it("prints what a filtered rebuild reads, its exact events, its estimates and the unprunable filter's warning", async () => {
    const planned = await runCli([
      "plan",
      "rebufferByCdn",
      "--archive",
      archive,
      "--where",
      "cdn=CDN1",
      "--rate",
      "50",
    ]);
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(/^rebufferByCdn: pre-flight plan of .* at snapshot \d+\n/);
    expect(planned.stdout).toMatch(/^ {2}data files +\d+ to read, 0 skipped, of \d+$/m);
    expect(planned.stdout).toMatch(/^ {2}rows +8,000 to read, 0 skipped, of 8,000$/m);
    expect(planned.stdout).toMatch(
      /^ {2}events +8,000 \(8,000 archived, before deletes and row filtering, 0 in the events table\)$/m,
    );
    expect(planned.stdout).toMatch(/^ {2}duration +~2m40s at 50 events\/s \(no earlier rebuild of rebufferByCdn/m);
    expect(planned.stdout).toMatch(/^ {2}mutations +~8 \(1,000 events each, from the complexity class\)$/m);
    expect(planned.stdout).toMatch(/^ {2}documents written +unknown: no earlier rebuild measured it$/m);
    expect(planned.stdout).toMatch(/^ {2}warning \(filter_not_pushed_down\): the filter skips no data file/m);
  });
});

describe("reproject plan against a deployment's URL", () => {
  let runtime: LocalRuntimeProcess;
  const cli = (args: string[], token: string = ADMIN_TOKEN) =>
    runCli([...args, "--url", runtime.url, "--token", token]);
  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ env: { REPROJECT_ARCHIVE: archive } });
  });
  afterAll(() => runtime?.stop());

  it("estimates from the projection's last rebuild once there is one", async () => {
    const before = JSON.parse((await cli(["plan", "sessionSummary", "--json"])).stdout);
    expect(before).toMatchObject({
      events: { total: 8_000 },
      estimate: { measuredOn: [], duration: { basis: "none" } },
    });
    const rebuilt = await cli(["rebuilds", "trigger", "sessionSummary", "--watch"]);
    expect(rebuilt.stdout).toMatch(/sessionSummary v1: completed, 8,000 events\n$/);
    const rebuildId = /started ([a-z0-9]+)/.exec(rebuilt.stdout)![1]!;

    const after = await cli(["plan", "sessionSummary", "--json"]);
    const plan = JSON.parse(after.stdout);
    expect(plan.estimate.measuredOn).toEqual([rebuildId]);
    expect(plan.estimate.duration.basis).toBe("measured");
    expect(plan.estimate.documentsWritten).toMatchObject({ basis: "measured", count: expect.any(Number) });
    const table = (await cli(["plan", "sessionSummary"])).stdout;
    expect(table).toMatch(
      /^ {2}duration +~\S+ at [\d,]+ events\/s \(median rate of 1 earlier completed rebuild\(s\) of sessionSummary/m,
    );
    expect(table).toMatch(/^ {2}documents written +~[\d,]+ \([\d.]+ per event, measured on earlier rebuilds\)$/m);

    // No earlier rebuild ran in lanes: its writes per event hold, its rate does not.
    const inLanes = JSON.parse((await cli(["plan", "sessionSummary", "--lanes", "4", "--json"])).stdout);
    expect(inLanes.estimate.duration).toMatchObject({ basis: "none", seconds: null });
    expect(inLanes.estimate.duration.note).toMatch(/no earlier rebuild of sessionSummary in 4 lanes/);
    expect(inLanes.estimate.documentsWritten).toEqual(plan.estimate.documentsWritten);
  });

  it("says why a caller who is not an admin is refused, and what is wrong with a rate", async () => {
    const viewer = await cli(["plan", "sessionSummary"], VIEWER_TOKEN);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/reproject plan: .*viewer does not have the admin role/);
    const rate = await cli(["plan", "sessionSummary", "--rate", "fast"]);
    expect(rate).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--rate must be a positive whole number, got "fast"'),
    });
    const lanes = await cli(["plan", "sessionSummary", "--lanes", "17"]);
    expect(lanes).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--lanes must be a whole number from 1 to 16, got "17"'),
    });
  });
});
