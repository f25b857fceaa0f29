import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { appendToArchive, createEventArchive } from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { envelope } from "../../convex/envelope.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION, startLocalS3Server } from "../../src/local/s3-server.ts";
import { runCli } from "../support/cli.ts";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold.ts";

const EVENTS = 20_000;
const dir = mkdtempSync(join(tmpdir(), "reproject-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The live events the demo appended (the generator's next events after the archive's, same seed),
 * written to an archive of their own so that they are read back like the archived ones.
 */
async function liveEvents(count: number, seed: number): Promise<ArchiveEvent[]> {
  const location = join(dir, "live-events");
  const store = new LocalObjectStore(location);
  await appendToArchive(
    store,
    await createEventArchive(store, envelope),
    envelope,
    [...demoEvents({ events: EVENTS + count, seed })].slice(EVENTS),
  );
  return readArchiveEvents(location);
}

/** The archive the demo wrote, read back from its S3 server's data directory. */
async function archiveEvents(location: string): Promise<ArchiveEvent[]> {
  const server = await startLocalS3Server({ directory: join(dir, "s3") });
  Object.assign(process.env, {
    S3_ENDPOINT: server.endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_LOCAL_REGION,
  });
  try {
    return await readArchiveEvents(location);
  } finally {
    await server.stop();
  }
}

const sum = <T>(rows: T[], value: (row: T) => number) => rows.reduce((total, row) => total + value(row), 0);

it("`reproject demo --headless` rebuilds both projections, then sessionSummary again after the version bump, with totals matching a fold over archive and live events", async () => {
  const result = await runCli(["demo", "--headless", "--events", String(EVENTS), "--dir", dir, "--json"]);
  expect(result.stderr).not.toMatch(/reproject demo:/);
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout);

  expect(summary.events).toMatchObject({ archive: EVENTS, seed: 1 });
  expect(summary.reconcile.initial).toEqual([
    { projection: "rebufferByCdn", action: "started" },
    { projection: "sessionSummary", action: "started" },
  ]);
  expect(summary.reconcile.afterRedeploy).toEqual([
    { projection: "rebufferByCdn", action: "up_to_date" },
    { projection: "sessionSummary", action: "started" },
  ]);
  expect(summary.redeploy).toMatchObject({ projection: "sessionSummary", fromVersion: 1, toVersion: 2 });
  const half = Math.ceil(summary.events.live / 2);
  expect(
    summary.rebuilds.map(({ projection, version, state, processed, triggeredBy }: Record<string, unknown>) => ({
      projection,
      version,
      state,
      processed,
      triggeredBy,
    })),
  ).toEqual([
    { projection: "rebufferByCdn", version: 1, state: "completed", processed: EVENTS + half, triggeredBy: "system" },
    { projection: "sessionSummary", version: 1, state: "completed", processed: EVENTS + half, triggeredBy: "system" },
    {
      projection: "sessionSummary",
      version: 2,
      state: "completed",
      processed: EVENTS + summary.events.live,
      triggeredBy: "system",
    },
  ]);
  // The version-bump rebuild's pre-flight plan: its exact events, its rate measured on the first round.
  expect(summary.preflight.events.total).toBe(EVENTS + summary.events.live);
  expect(summary.preflight.estimate.duration.basis).toBe("measured");
  expect(summary.preflight.estimate.measuredOn).toHaveLength(1);
  expect(summary.calls.total.mutations).toBeGreaterThan(0);
  expect(summary.calls.components["reproject/replayPool"].actions).toBeGreaterThan(0);

  const history = [...(await archiveEvents(summary.archive.location)), ...(await liveEvents(summary.events.live, 1))];
  const cdnRows = foldRebufferByCdn(history);
  const sessions = foldSessionSummary(history);
  expect(summary.readModels.rebufferByCdn).toEqual({
    documents: cdnRows.length,
    sums: {
      rebufferCount: sum(cdnRows, (row) => row.rebufferCount),
      rebufferMs: sum(cdnRows, (row) => row.rebufferMs),
    },
  });
  expect(summary.readModels.sessionSummary).toEqual({
    documents: sessions.length,
    sums: {
      eventCount: EVENTS + summary.events.live,
      rebufferCount: sum(sessions, (row) => row.rebufferCount),
      errorCount: sum(sessions, (row) => row.errorCount),
    },
  });
}, 180_000);
