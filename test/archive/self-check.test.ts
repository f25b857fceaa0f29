// The deployment self check's probe against real archives (a local table, the same table on the
// loopback S3 server, behind a REST catalog) and the ways a deployment's configuration goes wrong.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { envelope as demoEnvelope } from "../../convex/envelope.ts";
import { runSelfCheck, type SelfCheckReport } from "../../src/archive/self-check.ts";
import { defineEnvelope } from "../../src/registry/index.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { localDemoArchive } from "../support/demo-archive.ts";
import { bearerTokenAuth } from "../support/catalog-auth-enforcers.ts";
import { closedPort } from "../support/closed-port.ts";
import { startRestCatalog } from "../support/rest-catalog-server.ts";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";

const STEPS = ["parquet-decoder", "zstd-decompressor", "parquet-writer", "archive-metadata"];

function s3Env(endpoint = s3Endpoint()): NodeJS.ProcessEnv {
  return {
    S3_ENDPOINT: endpoint,
    AWS_REGION: S3_LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
  };
}

function failedStep(report: SelfCheckReport) {
  const failed = report.steps.filter((step) => !step.ok);
  expect(failed.map((step) => step.name)).toEqual(["archive-metadata"]);
  return failed[0]!;
}

describe("the self check probe", () => {
  let local = "";
  let bucket = "";
  beforeAll(async () => {
    local = await localDemoArchive(200, 3);
    bucket = await createTestBucket(testS3Client(), "selfcheck");
    await uploadDirectory(testS3Client(), local, bucket, "archive/events");
  });

  it("passes every step on a local archive, timing each and describing what it read", async () => {
    const report = await runSelfCheck(local);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatch(/^all 4 steps passed in \d+ ms$/);
    expect(report.steps.map((step) => step.name)).toEqual(STEPS);
    for (const step of report.steps) {
      expect(step.ok).toBe(true);
      expect(step.durationMs).toBeGreaterThanOrEqual(0);
      expect(step.error).toBeUndefined();
    }
    expect(report.steps[1]!.detail).toBe("decoded a 69-byte zstd frame into 119 bytes");
    expect(report.steps[2]!.detail).toMatch(/^wrote a \d+-byte ZSTD Parquet file and read its 3 rows back$/);
    expect(report.steps[3]).toMatchObject({
      target: `local directory ${local}`,
      detail: expect.stringMatching(/current snapshot \d+ of \d+\)$/),
    });
  });

  it("checks that the archive carries the app's envelope, and names the column an envelope declares that it lacks", async () => {
    expect((await runSelfCheck(local, { parquetWriter: false, envelope: demoEnvelope })).ok).toBe(true);
    const withRegion = defineEnvelope({ attributes: { ...demoEnvelope.attributes, region: "string" } });
    const report = await runSelfCheck(local, { parquetWriter: false, envelope: withRegion });
    expect(failedStep(report)).toMatchObject({
      error: expect.stringContaining(`it has no column "region" for the string attribute "region"`),
      check: expect.stringContaining("defineEnvelope"),
    });
  });

  it("passes on the same archive in S3, through the endpoint and credentials of the environment", async () => {
    const report = await runSelfCheck(`s3://${bucket}/archive/events`, { env: s3Env() });
    expect(report.summary).toMatch(/^all 4 steps passed/);
    expect(report.steps[3]).toMatchObject({
      ok: true,
      target: `s3://${bucket}/archive/events at S3 endpoint ${s3Endpoint()}, access key ${S3_LOCAL_CREDENTIALS.accessKeyId}`,
      detail: expect.stringContaining(`read s3://${bucket}/archive/events/metadata/v`),
    });
  });

  it("passes through a REST catalog that names the table's metadata in S3", async () => {
    const metadataKey = (await runSelfCheck(local, { parquetWriter: false })).steps
      .at(-1)!
      .detail!.match(/metadata\/v\d+\.metadata\.json/)![0];
    const catalog = await startRestCatalog({
      prefix: "ops-warehouse",
      auth: bearerTokenAuth("self-check-token"),
      tables: [
        {
          namespace: ["ops"],
          name: "events",
          metadataLocation: `s3://${bucket}/archive/events/${metadataKey}`,
          metadataJson: readFileSync(`${local}/${metadataKey}`, "utf8").replaceAll(
            local,
            `s3://${bucket}/archive/events`,
          ),
        },
      ],
      storage: {
        "s3.endpoint": s3Endpoint(),
        "s3.access-key-id": S3_LOCAL_CREDENTIALS.accessKeyId,
        "s3.secret-access-key": S3_LOCAL_CREDENTIALS.secretAccessKey,
      },
    });
    try {
      const report = await runSelfCheck(`${catalog.uri}#ops.events`, {
        parquetWriter: false,
        env: { ICEBERG_REST_TOKEN: "self-check-token" },
      });
      expect(report.steps.map((step) => [step.name, step.ok])).toEqual([
        ["parquet-decoder", true],
        ["zstd-decompressor", true],
        ["archive-metadata", true],
      ]);
      expect(report.steps[2]!.target).toBe(`REST catalog table ${catalog.uri}#ops.events`);

      const refused = await runSelfCheck(`${catalog.uri}#ops.events`, {
        parquetWriter: false,
        env: { ICEBERG_REST_TOKEN: "revoked-token" },
      });
      expect(failedStep(refused)).toMatchObject({
        error: expect.stringContaining(`${catalog.uri}: the REST catalog answered 401 to GET /v1/config`),
        check: expect.stringContaining("fix what the error names with npx convex env set (ICEBERG_REST_*"),
      });
    } finally {
      await catalog.close();
    }
  });

  it("says REPROJECT_ARCHIVE is not set and how to set it, and still checks the decoders", async () => {
    const report = await runSelfCheck(undefined);
    expect(report.ok).toBe(false);
    expect(report.archive).toBeNull();
    expect(report.steps.slice(0, 3).every((step) => step.ok)).toBe(true);
    expect(failedStep(report)).toMatchObject({
      error: "REPROJECT_ARCHIVE is not set, so there is no archive to read",
      check: expect.stringContaining("npx convex env set REPROJECT_ARCHIVE"),
    });
  });

  it("names the prefix when the bucket holds no table there", async () => {
    const report = await runSelfCheck(`s3://${bucket}/archive/evnets`, { env: s3Env() });
    const step = failedStep(report);
    expect(step.target).toContain(`s3://${bucket}/archive/evnets at S3 endpoint ${s3Endpoint()}`);
    expect(step.error).toBe(
      `NoTableYetError: s3://${bucket}/archive/evnets/metadata/: no Iceberg table here (no metadata/ folder or it is empty)`,
    );
    expect(step.check).toContain("REPROJECT_ARCHIVE names the table's root");
    expect(report.summary).toBe(`archive-metadata failed (${step.target}): ${step.error}`);
  });

  it("names the bucket and the endpoint when the bucket does not exist", async () => {
    const report = await runSelfCheck(`s3://no-such-bucket-${process.pid}/archive/events`, { env: s3Env() });
    const step = failedStep(report);
    expect(step.error).toContain(`s3://no-such-bucket-${process.pid}/archive/events/metadata`);
    expect(step.error).toContain("no such bucket");
    expect(step.check).toBe(
      `the bucket "no-such-bucket-${process.pid}" does not exist there: check the bucket name in REPROJECT_ARCHIVE and that S3_ENDPOINT (${s3Endpoint()}) points at the account that holds it`,
    );
  });

  it("names the endpoint it cannot reach and the connection error, after one retry", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const report = await runSelfCheck(`s3://${bucket}/archive/events`, { env: s3Env(endpoint) });
    const step = failedStep(report);
    expect(step.target).toContain(`at S3 endpoint ${endpoint}`);
    expect(step.error).toMatch(
      /^TransientStoreError: s3:\/\/.*\/metadata: request failed: .*ECONNREFUSED.*\(gave up after 2 attempts\)/,
    );
    expect(step.check).toContain(`check S3_ENDPOINT (${endpoint}) (scheme, host, port)`);
    expect(step.durationMs).toBeLessThan(5_000);
  });

  it("says when there are no S3 credentials at all", async () => {
    const { AWS_ACCESS_KEY_ID: _, AWS_SECRET_ACCESS_KEY: __, ...withoutCredentials } = s3Env();
    const saved = { ...process.env };
    // The SDK's default chain also looks at the process environment and ~/.aws.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent";
    process.env.AWS_CONFIG_FILE = "/nonexistent";
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    try {
      const step = failedStep(await runSelfCheck(`s3://${bucket}/archive/events`, { env: withoutCredentials }));
      expect(step.target).toContain("no AWS_ACCESS_KEY_ID (the SDK's default credential chain)");
      expect(step.error).toContain("Could not load credentials");
      expect(step.check).toContain("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the deployment");
    } finally {
      process.env = saved;
    }
  });
});
