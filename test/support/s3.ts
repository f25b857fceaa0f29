// Test helpers for the loopback S3 server started by s3-global-setup.ts.
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { inject } from "vitest";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";

export function s3Endpoint(): string {
  return inject("s3Endpoint");
}

export function testS3Client(): S3Client {
  return new S3Client({
    endpoint: s3Endpoint(),
    region: S3_LOCAL_REGION,
    credentials: S3_LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
}

/** S3 store options for tests through the fault proxy: quick retries, and a stall noticed within 400 ms. */
export function fastRetryStoreOptions(endpoint: string) {
  return { endpoint, credentials: S3_LOCAL_CREDENTIALS, initialBackoffMs: 5, requestTimeoutMs: 400 };
}

let bucketCounter = 0;

/** Creates a bucket with a name unique to this test run. */
export async function createTestBucket(client: S3Client, prefix = "test"): Promise<string> {
  const bucket = `${prefix}-${process.pid}-${Date.now().toString(36)}-${bucketCounter++}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Uploads every file under `directory` to `s3://bucket/keyPrefix/<relative path>`; returns the key count. */
export async function uploadDirectory(
  client: S3Client,
  directory: string,
  bucket: string,
  keyPrefix: string,
): Promise<number> {
  const files = readdirSync(directory, { recursive: true, encoding: "utf8" }).filter((entry) =>
    statSync(join(directory, entry)).isFile(),
  );
  await Promise.all(
    files.map((file) =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: [keyPrefix, relative(directory, join(directory, file)).split(sep).join("/")].filter(Boolean).join("/"),
          Body: readFileSync(join(directory, file)),
        }),
      ),
    ),
  );
  return files.length;
}
