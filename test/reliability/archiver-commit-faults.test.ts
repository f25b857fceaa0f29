// The archiver on S3 when its commit's answer is lost: the metadata put lands, the connection drops,
// the retried put gets 412, and reading the version back fails too (faults injected on the wire by the
// proxy). The committed snapshot must keep its files, the run must find its own commit and archive
// nothing twice, and a rebuild afterwards must see every event exactly once.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { createConvexTest, runUntil } from "../support/convex";
import { splitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary, streamArchiveEvents } from "../support/demo-fold";
import { startFaultyS3Proxy, type FaultyProxy } from "../support/faulty-s3-proxy";
import { generationDocuments } from "../support/read-model";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3";

const ARCHIVED = 2_000;
const LIVE = 1_000;
/** The archive is at version 2 (created, then one append): the archiver commits version 3. */
const COMMIT_KEY = "/events/metadata/v3.metadata.json";
/** Every attempt of one read at the store's default retry count. */
const READ_BACK_ATTEMPTS = 6;

let proxy: FaultyProxy | undefined;
beforeEach(() => {
  process.env.REPROJECT_ARCHIVE_RETENTION_MS = "0";
});
afterEach(async () => {
  vi.useRealTimers();
  await proxy?.close();
  proxy = undefined;
  for (const name of [
    "REPROJECT_ARCHIVE",
    "REPROJECT_ARCHIVE_RETENTION_MS",
    "S3_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
  ]) {
    delete process.env[name];
  }
});

describe("an archiver commit whose answer is lost and whose read-back fails", () => {
  it("keeps the committed files, archives each event once and deletes the rows; a rebuild then sees all events", async () => {
    const history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 41);
    const client = testS3Client();
    const bucket = await createTestBucket(client, "archiver-faults");
    await uploadDirectory(client, history.archive, bucket, "events");
    let puts = 0;
    let reads = 0;
    proxy = await startFaultyS3Proxy({
      target: s3Endpoint(),
      faultFor: ({ method, path }) => {
        if (!path.endsWith(COMMIT_KEY)) return undefined;
        if (method === "PUT") return puts++ === 0 ? "truncate" : null;
        if (method === "GET") return reads++ < READ_BACK_ATTEMPTS ? "status503" : null;
        return undefined;
      },
    });
    Object.assign(process.env, {
      REPROJECT_ARCHIVE: `s3://${bucket}/events`,
      S3_ENDPOINT: proxy.endpoint,
      AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    });
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    await t.mutation(internal.reproject.append, { events: history.live });

    const summary = await t.action(internal.reprojectNode.archive, { nowMs: Date.now() + 1_000 });
    expect(proxy.injected).toMatchObject({ truncate: 1, status503: READ_BACK_ATTEMPTS });
    expect(summary).toEqual({ archived: LIVE, alreadyInArchive: 0, deleted: LIVE, archivedThrough: ARCHIVED + LIVE });
    const positions: number[] = [];
    const direct = { endpoint: s3Endpoint(), credentials: S3_LOCAL_CREDENTIALS };
    for await (const event of streamArchiveEvents(`s3://${bucket}/events`, direct)) positions.push(event.position);
    expect(positions).toEqual(Array.from({ length: ARCHIVED + LIVE }, (_, index) => index + 1));

    vi.useFakeTimers();
    const admin = t.withIdentity({ subject: "ops-1", role: "admin" });
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running");
    const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(status.lastError).toBeNull();
    expect(status.counters.found).toBe(ARCHIVED + LIVE);
    const docs = await generationDocuments(t, "sessionSummary", status.generation);
    expect(docs.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(
      foldSessionSummary(archiveEventsOf(history.all)),
    );
  });
});
