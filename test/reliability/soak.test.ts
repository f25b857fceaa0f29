// A bounded soak: a 1M-event rebuild reading its archive from S3 through a proxy that faults 10%
// of requests, while the chunk action is crashed at 25 random points. The result must equal a
// clean fold of the archive, and every event must be applied exactly once.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { generateDemoArchive } from "../../src/local/demo/generate-demo-archive.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { createConvexTest, runUntil } from "../support/convex";
import { foldRebufferByCdnStreaming, streamArchiveEvents } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";
import { startFaultyS3Proxy, type FaultyProxy } from "../support/faulty-s3-proxy";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3";

const EVENTS = 1_000_000;
const CRASHES = 25;
const crashes = vi.hoisted(() => ({ at: new Set<number>(), reads: 0, injected: 0 }));

vi.mock("../../src/replay/archive-events.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/replay/archive-events.ts")>();
  return {
    ...original,
    eventsFromBatch: (...args: Parameters<typeof original.eventsFromBatch>) => {
      if (crashes.at.delete(++crashes.reads)) {
        crashes.injected++;
        throw new Error(`injected crash at scan batch ${crashes.reads}`);
      }
      return original.eventsFromBatch(...args);
    },
  };
});

let proxy: FaultyProxy;
let location = "";
let localCopy = "";

beforeAll(async () => {
  localCopy = join(mkdtempSync(join(tmpdir(), "reproject-soak-")), "events");
  await generateDemoArchive(new LocalObjectStore(localCopy), { events: EVENTS, seed: 99 });
  const client = testS3Client();
  const bucket = await createTestBucket(client, "soak");
  await uploadDirectory(client, localCopy, bucket, "events");
  proxy = await startFaultyS3Proxy({ target: s3Endpoint(), rate: 0.1, seed: 5, faults: ["status500", "status503", "reset", "truncate", "wrongRange"] });
  location = `s3://${bucket}/events`;
}, 300_000);
afterAll(() => proxy?.close());

beforeEach(() => {
  vi.useFakeTimers();
  Object.assign(process.env, {
    REPROJECT_ARCHIVE: location,
    S3_ENDPOINT: proxy.endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
    // Half a row group per chunk, so crashes spread over many chunks (each chunk gets 8 attempts).
    REPROJECT_CHUNK_MAX_BATCHES: "4",
  });
});
afterEach(() => {
  vi.useRealTimers();
  for (const name of ["S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "REPROJECT_CHUNK_MAX_BATCHES"]) delete process.env[name];
});

describe("soak", () => {
  it(`rebuilds ${EVENTS.toLocaleString("en-US")} events through 10% S3 faults and ${CRASHES} crashes, exactly once`, async () => {
    // Every fourth scan batch read crashes the chunk action, 25 times: each crash costs its chunk an
    // attempt, and the retry from the checkpoint reads on.
    for (let k = 1; k <= CRASHES; k++) crashes.at.add(4 * k);
    const t = createConvexTest();
    const admin = t.withIdentity({ subject: "ops-1", role: "admin" });
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" })) as { rebuildId: string };
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running", 400);
    const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(status.lastError).toBeNull();
    expect(status.state).toBe("completed");
    expect(crashes.injected).toBe(CRASHES);
    expect(status.counters.retried).toBeGreaterThanOrEqual(CRASHES);
    expect(status.counters.found).toBe(EVENTS);
    expect(status.processed).toBe(EVENTS);
    const faulted = Object.values(proxy.injected).reduce((sum, count) => sum + count, 0);
    expect(faulted).toBeGreaterThan(10);

    const docs = await generationDocuments(t, "rebufferByCdn", status.generation);
    const model = docs
      .map(({ cdn, device, rebufferCount, rebufferMs }) => ({ cdn, device, rebufferCount, rebufferMs }))
      .sort((a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device));
    expect(model).toEqual(await foldRebufferByCdnStreaming(streamArchiveEvents(localCopy)));
    console.log(`soak: ${proxy.requests} S3 requests, ${faulted} faulted (${JSON.stringify(proxy.injected)}), ${crashes.injected} crashes, ${status.counters.retried} chunk retries`);
  });
});
