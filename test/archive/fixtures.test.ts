import { describe, expect, it, beforeAll } from "vitest";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { fixturePath } from "../support/fixtures.ts";
import { FIXTURE_TABLES, fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";

type Source = { name: string; locate(table: string): string };

const localSource: Source = { name: "the local file system", locate: (table) => fixturePath(table) };
let bucket = "";
const s3Source: Source = { name: "S3", locate: (table) => `s3://${bucket}/warehouse/${table}` };
const s3Options = () => ({ endpoint: s3Endpoint(), credentials: S3_LOCAL_CREDENTIALS, region: "us-east-1" });

beforeAll(async () => {
  const client = testS3Client();
  bucket = await createTestBucket(client, "fixtures");
  for (const table of FIXTURE_TABLES) await uploadDirectory(client, fixturePath(table), bucket, `warehouse/${table}`);
});

describe.each([localSource, s3Source])("real Iceberg tables read from $name", (source) => {
  const open = (location: string) => ArchiveTable.open(location, source === s3Source ? s3Options() : undefined);

  it.each(FIXTURE_TABLES)("%s: the current snapshot matches expected.json", async (table) => {
    const expected = fixtureExpectation(table);
    const archive = await open(source.locate(table));
    expect(archive.loaded.metadataKey).toBe(`metadata/${expected.currentMetadataFile}`);
    const { columns, rows } = await readAllRows(archive);
    expect(columns).toEqual(expected.columns);
    expect(rows).toHaveLength(expected.rowCount);
    if (expected.sampleRowsOrdered) expect(rows.slice(0, expected.sampleRows.length)).toEqual(expected.sampleRows);
    else for (const sample of expected.sampleRows) expect(rows).toContainEqual(sample);
    if (expected.sampleRowsComplete) expect(rows).toHaveLength(expected.sampleRows.length);
  });

  it.each(FIXTURE_TABLES.filter((table) => fixtureExpectation(table).snapshots?.length))(
    "%s: every snapshot in expected.json reads back by time travel",
    async (table) => {
      for (const snapshot of fixtureExpectation(table).snapshots!) {
        const location = snapshot.metadataFile ? `${source.locate(table)}/metadata/${snapshot.metadataFile}` : source.locate(table);
        const archive = await open(location);
        const selector = snapshot.metadataFile ? {} : { snapshotId: BigInt(snapshot.snapshotId) };
        if (snapshot.metadataFile) expect(archive.metadata["current-snapshot-id"]).toBe(BigInt(snapshot.snapshotId));
        const { columns, rows } = await readAllRows(archive, selector);
        expect(rows, `snapshot ${snapshot.snapshotId}`).toHaveLength(snapshot.rowCount);
        if (snapshot.columns) expect(columns).toEqual(snapshot.columns);
        for (const sample of snapshot.sampleRows ?? []) expect(rows).toContainEqual(sample);
        if (snapshot.sampleRowsComplete) expect(rows).toHaveLength(snapshot.sampleRows!.length);
      }
    },
  );
});
