import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { runCli } from "../support/cli.ts";
import { fixturePath } from "../support/fixtures.ts";
import { fixtureExpectation } from "../support/fixture-expectations.ts";
import { createTestBucket, s3Endpoint, testS3Client } from "../support/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "reproject-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const jsonLines = (text: string) => text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe("reproject archive", () => {
  it("info describes a real table, with its row count after deletes", async () => {
    const result = await runCli(["archive", "info", fixturePath("java_bunnies")]);
    expect(result.code).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info).toMatchObject({ formatVersion: 2, location: "s3a://hyperparam-iceberg/java/bunnies", currentSnapshotId: "9158179788527662767" });
    expect(info.rowCount).toBe(fixtureExpectation("java_bunnies").rowCount);
    expect(info.snapshots.map((snapshot: { snapshotId: string }) => snapshot.snapshotId)).toContain("4951213507629824583");
    expect(info.schema.fields.map((field: { name: string }) => field.name)).toEqual(fixtureExpectation("java_bunnies").columns);
    expect(info.partitionSpec).toEqual({ "spec-id": 0, fields: [] });
  });

  it("rows prints JSON Lines in the expected encoding, with columns, limit and time travel", async () => {
    const current = await runCli(["archive", "rows", fixturePath("spark_rename_column"), "--columns", "id,price,event_date"]);
    expect(current.code).toBe(0);
    expect(jsonLines(current.stdout)).toContainEqual({ id: 1, price: "9.99", event_date: "2022-01-01" });

    const limited = await runCli(["archive", "rows", fixturePath("lineitem_iceberg"), "--limit", "3"]);
    expect(jsonLines(limited.stdout)).toHaveLength(3);

    const old = await runCli(["archive", "rows", fixturePath("spark_bunnies"), "--snapshot", "7505300640432048841"]);
    expect(jsonLines(old.stdout)).toHaveLength(21);
    const asOf = await runCli(["archive", "rows", fixturePath("spark_bunnies"), "--as-of", "2025-03-30T04:54:15Z"]);
    expect(jsonLines(asOf.stdout)).toHaveLength(21);
  });

  it("generate writes a demo archive to S3 that info and rows read back in position order", async () => {
    const bucket = await createTestBucket(testS3Client(), "cli");
    const env = {
      S3_ENDPOINT: s3Endpoint(),
      AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
    };
    const table = `s3://${bucket}/events`;
    const generated = await runCli(["archive", "generate", table, "--events", "3000", "--seed", "9"], env);
    expect(generated.code).toBe(0);
    expect(JSON.parse(generated.stdout)).toMatchObject({ events: 3000, seed: 9 });
    const info = JSON.parse((await runCli(["archive", "info", table], env)).stdout);
    expect(info.rowCount).toBe(3000);
    expect(info.snapshots.length).toBeGreaterThan(1);
    const rows = jsonLines((await runCli(["archive", "rows", table, "--columns", "global_position,event_type", "--limit", "5"], env)).stdout);
    expect(rows.map((row) => row.global_position)).toEqual([1, 2, 3, 4, 5]);
  });

  it("errors go to stderr with a non-zero exit: missing table, bad flags, occupied target", async () => {
    const missing = await runCli(["archive", "info", join(scratch, "nothing-here")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing-here\/metadata\/: no Iceberg table here/);

    const badLimit = await runCli(["archive", "rows", fixturePath("spark_bunnies"), "--limit", "-3"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit/);

    const unknown = await runCli(["archive", "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "archive frobnicate"/);

    const occupied = await runCli(["archive", "generate", fixturePath("spark_bunnies"), "--events", "10"]);
    expect(occupied.code).toBe(2);
    expect(occupied.stderr).toMatch(/already holds an Iceberg table/);
  });
});
