// A commit whose create-only put of the next metadata version landed but whose answer was lost: the
// store retries, S3 answers 412 (the key exists), and the writer reads the version back to see whose
// it is. Faults are injected on the loopback S3 server's wire, at that put and at that read.
import { afterEach, describe, expect, it } from "vitest";
import { CommitConflictError, CommitOutcomeUnknownError } from "../../src/archive/errors.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { appendToArchive, createEventArchive, loadTableForWrite } from "../../src/archive/writer/index.ts";
import { defineEnvelope, type EventRecord } from "../../src/registry/index.ts";
import { readAllRows } from "../support/fixture-expectations.ts";
import { startFaultyS3Proxy, type Fault, type FaultyProxy } from "../support/faulty-s3-proxy.ts";
import { createTestBucket, fastRetryStoreOptions, s3Endpoint, testS3Client } from "../support/s3.ts";

const envelope = defineEnvelope({ attributes: { cdn: "string" } });
const JAN_10 = Date.UTC(2025, 0, 10);
const NEXT_METADATA = "metadata/v3.metadata.json";

function events(from: number, to: number): EventRecord[] {
  return Array.from({ length: to - from + 1 }, (_, index) => ({
    globalPosition: from + index,
    eventId: `evt-${from + index}`,
    eventType: "Play",
    eventVersion: 1,
    occurredAtMs: JAN_10 + (from + index) * 1000,
    streamId: `stream-${(from + index) % 3}`,
    attributes: { cdn: "CDN1" },
    payload: "{}",
  }));
}

let proxy: FaultyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** Three attempts per request: a read-back that fails fails on all three. */
const storeOptions = (endpoint: string) => ({ ...fastRetryStoreOptions(endpoint), maxAttempts: 3 });

/**
 * A table at version 2 (positions 1–100), and a store reaching it through a proxy whose first PUT of
 * v3.metadata.json lands but loses its answer, and whose reads of v3.metadata.json get `readFault`.
 */
async function tableWithLostCommitAnswer(readFault: Fault | null) {
  const bucket = await createTestBucket(testS3Client(), "read-back");
  const direct = new S3ObjectStore({ bucket, prefix: "events" }, storeOptions(s3Endpoint()));
  await appendToArchive(direct, await createEventArchive(direct, envelope), envelope, events(1, 100));
  let putAnswersLost = 0;
  proxy = await startFaultyS3Proxy({
    target: s3Endpoint(),
    faultFor: ({ method, path }) => {
      if (!path.endsWith(`/${NEXT_METADATA}`)) return undefined;
      if (method === "PUT" && putAnswersLost++ === 0) return "truncate";
      return method === "GET" ? readFault : undefined;
    },
  });
  const faulty = new S3ObjectStore({ bucket, prefix: "events" }, storeOptions(proxy.endpoint));
  const readCommitted = async () => {
    const table = await ArchiveTable.open(`s3://${bucket}/events/${NEXT_METADATA}`, storeOptions(s3Endpoint()));
    return (await readAllRows(table)).rows.map((row) => Number(row.global_position)).sort((a, b) => a - b);
  };
  return { direct, faulty, readCommitted };
}

describe("a commit whose answer was lost", () => {
  it("keeps every file the committed metadata references when reading the version back fails", async () => {
    const { direct, faulty, readCommitted } = await tableWithLostCommitAnswer("status503");
    const append = appendToArchive(faulty, await loadTableForWrite(faulty), envelope, events(101, 200));

    const error = await append.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError);
    expect(error).not.toBeInstanceOf(CommitConflictError);
    expect((error as Error).message).toMatch(
      /metadata\/v3\.metadata\.json: exists, but reading it back .* failed .*S3 answered 503.*; this commit may have landed, so nothing it wrote was removed/,
    );
    expect(proxy!.injected).toMatchObject({ truncate: 1, status503: 3 });
    // The version that landed is this commit, and every manifest it references is still there.
    expect((await loadTableForWrite(direct)).version).toBe(3);
    expect(await readCommitted()).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
  });

  it("recognises its own commit when the version reads back as the bytes it wrote", async () => {
    const { faulty, readCommitted } = await tableWithLostCommitAnswer(null);
    const result = await appendToArchive(faulty, await loadTableForWrite(faulty), envelope, events(101, 200));

    expect(result.table.version).toBe(3);
    expect(proxy!.injected.truncate).toBe(1);
    expect(await readCommitted()).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
  });
});
