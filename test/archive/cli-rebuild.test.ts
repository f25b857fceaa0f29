import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { runCli } from "../support/cli.ts";
import { localDemoArchive, tamperedDemoArchive } from "../support/demo-archive.ts";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold.ts";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";

const EVENTS = 4_000;
const scratch = mkdtempSync(join(tmpdir(), "reproject-cli-rebuild-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let archive: string;
let events: ArchiveEvent[];
beforeAll(async () => {
  archive = await localDemoArchive(EVENTS, 5);
  events = await readArchiveEvents(archive);
});

/** The dump's order: key fields compared by code point, whatever the locale. */
function byKey<T extends Record<string, unknown>>(rows: T[], keyFields: (keyof T)[]): T[] {
  const compare = (a: T, b: T) => {
    for (const field of keyFields) {
      const [left, right] = [String(a[field]), String(b[field])];
      if (left !== right) return left < right ? -1 : 1;
    }
    return 0;
  };
  return [...rows].sort(compare);
}

async function rebuildAndDump(args: string[], env: NodeJS.ProcessEnv = {}) {
  const file = join(scratch, `dump-${Math.random().toString(36).slice(2)}.json`);
  const result = await runCli(["rebuild", ...args, "--dump", file, "--json"], env);
  expect(result.stderr).not.toMatch(/reproject rebuild:/);
  expect(result.code).toBe(0);
  return { report: JSON.parse(result.stdout), dump: JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[] };
}

describe("reproject rebuild", () => {
  it("rebuilds rebufferByCdn from a local archive and dumps exactly the fold of the archive", async () => {
    const { report, dump } = await rebuildAndDump(["rebufferByCdn", "--archive", archive]);
    expect(dump).toEqual(byKey(foldRebufferByCdn(events), ["cdn", "device"]));
    expect(Object.keys(dump[0]!)).toEqual(["cdn", "device", "rebufferCount", "rebufferMs"]);
    expect(report).toMatchObject({ projection: "rebufferByCdn", state: "completed", processed: EVENTS, total: EVENTS, target: null });
    expect(report.counters).toMatchObject({ found: EVENTS, applied: events.filter((event) => event.type === "Rebuffer").length, invalid: 0 });
    expect(report.dump.documents).toBe(dump.length);
  });

  it("rebuilds sessionSummary and dumps one summary per stream, sorted by streamId", async () => {
    const { dump } = await rebuildAndDump(["sessionSummary", "--archive", archive]);
    expect(dump).toEqual(byKey(foldSessionSummary(events), ["streamId"]));
    expect(Object.keys(dump[0]!)).toEqual(["streamId", "eventCount", "rebufferCount", "errorCount", "firstAt", "lastAt"]);
  });

  it("a filtered rebuild dumps its own generation: the fold over the matching events only", async () => {
    const [from, to] = ["2025-01-08T00:00:00Z", "2025-01-21T12:00:00Z"];
    const { report, dump } = await rebuildAndDump([
      "rebufferByCdn",
      "--archive",
      archive,
      "--where",
      "cdn=CDN1,device=Android",
      "--from",
      from,
      "--to",
      to,
    ]);
    const matching = events.filter(
      (event) => event.cdn === "CDN1" && event.device === "Android" && event.occurredAtMs >= Date.parse(from) && event.occurredAtMs < Date.parse(to),
    );
    expect(matching.some((event) => event.type === "Rebuffer")).toBe(true);
    expect(dump).toEqual(byKey(foldRebufferByCdn(matching), ["cdn", "device"]));
    expect(report.target).toMatch(/^filtered-/);
    expect(report.filter).toEqual({ fromMs: Date.parse(from), toMs: Date.parse(to), attributes: { cdn: ["CDN1"], device: ["Android"] } });
  });

  it("rebuilds from an archive on S3 with the endpoint and credentials from the environment", async () => {
    const client = testS3Client();
    const bucket = await createTestBucket(client, "cli-rebuild");
    await uploadDirectory(client, archive, bucket, "warehouse/events");
    const env = {
      S3_ENDPOINT: s3Endpoint(),
      AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3_LOCAL_REGION,
    };
    const { dump } = await rebuildAndDump(["rebufferByCdn", "--archive", `s3://${bucket}/warehouse/events`], env);
    expect(dump).toEqual(byKey(foldRebufferByCdn(events), ["cdn", "device"]));
  });

  it("--verify rebuilds into a shadow generation and finds it identical to the one just built", async () => {
    const result = await runCli(["rebuild", "sessionSummary", "--archive", archive, "--verify", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { generation: number; verify: { compared: number; changed: number; onlyInActive: number; onlyInShadow: number; activeGeneration: number } };
    expect(report.verify).toMatchObject({ changed: 0, onlyInActive: 0, onlyInShadow: 0, activeGeneration: report.generation });
    expect(report.verify.compared).toBeGreaterThan(0);
    const filtered = await runCli(["rebuild", "sessionSummary", "--archive", archive, "--verify", "--types", "Play"]);
    expect(filtered.code).toBe(2);
    expect(filtered.stderr).toMatch(/--verify compares whole generations/);
  });

  it("--lanes 4 rebuilds sessionSummary in 4 lanes, says how many are done, and dumps the same fold", async () => {
    const file = join(scratch, "dump-lanes.json");
    const args = ["rebuild", "sessionSummary", "--archive", archive, "--lanes", "4", "--dump", file, "--json"];
    const result = await runCli(args);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      processed: number;
      lanes: { lane: number; processed: number; done: boolean }[];
    };
    expect(report.processed).toBe(EVENTS);
    expect(report.lanes.map((lane) => lane.lane)).toEqual([0, 1, 2, 3]);
    expect(report.lanes.every((lane) => lane.done)).toBe(true);
    expect(report.lanes.reduce((sum, lane) => sum + lane.processed, 0)).toBe(EVENTS);
    expect(Math.min(...report.lanes.map((lane) => lane.processed))).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(byKey(foldSessionSummary(events), ["streamId"]));
    // The progress line (stderr is not a terminal here: printed when the board stops) carries the lanes.
    expect(result.stderr).toMatch(/sessionSummary v1: 4,000 \/ 4,000 .*lanes 4: 4 done/);

    const text = await runCli(["rebuild", "sessionSummary", "--archive", archive, "--lanes", "2"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}in 2 lanes: [\d,]+ \+ [\d,]+ events$/m);
  });

  it("refuses wrong arguments with a clear message and exit code 2", async () => {
    const unknown = await runCli(["rebuild", "viewCounts", "--archive", archive]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown projection "viewCounts"; known: rebufferByCdn, sessionSummary/);

    const noArchive = await runCli(["rebuild", "rebufferByCdn"]);
    expect(noArchive.code).toBe(2);
    expect(noArchive.stderr).toMatch(/--archive is required/);

    const badInstant = await runCli(["rebuild", "rebufferByCdn", "--archive", archive, "--from", "last tuesday"]);
    expect(badInstant.code).toBe(2);
    expect(badInstant.stderr).toMatch(/--from must be an ISO-8601 date or instant/);

    const badWhere = await runCli(["rebuild", "rebufferByCdn", "--archive", archive, "--where", "cdn"]);
    expect(badWhere.code).toBe(2);
    expect(badWhere.stderr).toMatch(/--where takes attribute=value pairs/);

    for (const lanes of ["0", "17", "two", "2.5"]) {
      const badLanes = await runCli(["rebuild", "sessionSummary", "--archive", archive, "--lanes", lanes]);
      expect(badLanes.code).toBe(2);
      expect(badLanes.stderr).toContain(`--lanes must be a whole number from 1 to 16, got "${lanes}"`);
    }

    const unknownFlag = await runCli(["rebuild", "rebufferByCdn", "--archive", archive, "--fast"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/Unknown option '--fast'/);

    const help = await runCli(["rebuild", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: reproject rebuild <projection> --archive <table>/);
  });

  it("fails with exit code 1 naming the file, column or event at fault", async () => {
    const missing = await runCli(["rebuild", "rebufferByCdn", "--archive", join(scratch, "no-archive-here")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-archive-here\/metadata\/: no Iceberg table here/);

    const undeclared = await runCli(["rebuild", "rebufferByCdn", "--archive", archive, "--where", "region=EU"]);
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/--where: attribute "region" is not declared in the event envelope \(declared: cdn \(string\), device \(string\), country \(string\)\)/);

    const broken = await tamperedDemoArchive(500, 3, (records) => {
      const rebuffer = records.find((record) => record.eventType === "Rebuffer")!;
      rebuffer.payload = "{not json";
    });
    const failed = await runCli(["rebuild", "rebufferByCdn", "--archive", broken]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/rebufferByCdn v1: failed/);
    expect(failed.stderr).toMatch(/the rebuild of rebufferByCdn failed: .* \(event [0-9a-f-]+ at position \d+, Rebuffer\)/);
  });
});
