import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TransientStoreError } from "../../src/archive/errors.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { fixturePath } from "../support/fixtures.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { startFaultyS3Proxy, type Fault, type FaultyProxy } from "../support/faulty-s3-proxy.ts";
import { createTestBucket, fastRetryStoreOptions, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";

let bucket = "";
let proxy: FaultyProxy | undefined;
beforeAll(async () => {
  const client = testS3Client();
  bucket = await createTestBucket(client, "retries");
  await uploadDirectory(client, fixturePath("java_bunnies"), bucket, "java_bunnies");
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe("the S3 store under faults", () => {
  it.each<Fault>(["status500", "status503", "reset", "stall", "truncate", "wrongRange"])(
    "retries a ranged read through %s and returns the right bytes",
    async (fault) => {
      proxy = await startFaultyS3Proxy({ target: s3Endpoint(), script: [fault, fault] });
      const store = new S3ObjectStore({ bucket, prefix: "java_bunnies" }, fastRetryStoreOptions(proxy.endpoint));
      const direct = new S3ObjectStore({ bucket, prefix: "java_bunnies" }, fastRetryStoreOptions(s3Endpoint()));
      const range = { start: 4, end: 300 };
      const bytes = await store.read("data/bunnies-initial.parquet", range);
      expect(Buffer.from(bytes)).toEqual(Buffer.from(await direct.read("data/bunnies-initial.parquet", range)));
      expect(proxy.injected[fault]).toBe(2);
      expect(proxy.requests).toBe(3);
    },
  );

  it("gives up with a transient error after its attempts, naming the object", async () => {
    proxy = await startFaultyS3Proxy({ target: s3Endpoint(), rate: 1, faults: ["status503"] });
    const store = new S3ObjectStore(
      { bucket, prefix: "java_bunnies" },
      { ...fastRetryStoreOptions(proxy.endpoint), maxAttempts: 3 },
    );
    const read = store.read("data/bunnies-initial.parquet");
    await expect(read).rejects.toThrow(TransientStoreError);
    await expect(store.read("data/bunnies-initial.parquet")).rejects.toThrow(
      new RegExp(
        `s3://${bucket}/java_bunnies/data/bunnies-initial\\.parquet: S3 answered 503 .* \\(gave up after 3 attempts\\)`,
      ),
    );
    expect(proxy.requests).toBe(6);
  });

  it("reads a whole table correctly with a quarter of all requests faulted", async () => {
    proxy = await startFaultyS3Proxy({ target: s3Endpoint(), rate: 0.25, seed: 7 });
    const table = await ArchiveTable.open(`s3://${bucket}/java_bunnies`, {
      ...fastRetryStoreOptions(proxy.endpoint),
      maxAttempts: 10,
    });
    const { rows } = await readAllRows(table);
    expect(rows).toHaveLength(fixtureExpectation("java_bunnies").rowCount);
    const faults = Object.values(proxy.injected).reduce((sum, count) => sum + count, 0);
    expect(faults).toBeGreaterThan(0);
  });
});
