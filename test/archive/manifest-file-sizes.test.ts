import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ArchiveTable } from "../../src/archive/table.ts";
import { onArchiveWarning } from "../../src/archive/warnings.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { fixturePath } from "../support/fixtures.ts";
import { rewriteParquetFile } from "../support/rewrite-parquet.ts";
import { createTestBucket, s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";

// java_bunnies has data files, a positional delete file and an equality delete file: every one of
// them is rewritten after commit, so each manifest entry's file_size_in_bytes is wrong.
const TABLE = "java_bunnies";
let table = "";
const sizes = new Map<string, { before: number; after: number }>();
let bucket = "";

beforeAll(async () => {
  table = join(mkdtempSync(join(tmpdir(), "reproject-sizes-")), TABLE);
  cpSync(fixturePath(TABLE), table, { recursive: true });
  const names = readdirSync(join(table, "data")).filter((file) => file.endsWith(".parquet")).sort();
  for (const [index, name] of names.entries()) {
    sizes.set(name, await rewriteParquetFile(join(table, "data", name), index % 2 === 0 ? "duckdb" : "arrow-rs"));
  }
  const client = testS3Client();
  bucket = await createTestBucket(client, "sizes");
  await uploadDirectory(client, table, bucket, `warehouse/${TABLE}`);
});

let stopListening: (() => void) | undefined;
afterEach(() => stopListening?.());

function collectWarnings(): string[] {
  const warnings: string[] = [];
  stopListening = onArchiveWarning((message) => warnings.push(message));
  return warnings;
}

const sources = [
  { name: "the local file system", open: () => ArchiveTable.open(table) },
  {
    name: "S3",
    open: () =>
      ArchiveTable.open(`s3://${bucket}/warehouse/${TABLE}`, {
        endpoint: s3Endpoint(),
        credentials: S3_LOCAL_CREDENTIALS,
        region: "us-east-1",
      }),
  },
];

describe.each(sources)("data and delete files rewritten after commit, read from $name", ({ open }) => {
  it("every rewritten file really changed size, larger and smaller than recorded alike", () => {
    const changes = [...sizes.values()];
    expect(changes.length).toBe(4);
    expect(changes.some(({ before, after }) => after > before)).toBe(true);
    expect(changes.some(({ before, after }) => after < before)).toBe(true);
    for (const { before, after } of changes) expect(after).not.toBe(before);
  });

  it("reads the same rows as the untouched table, and warns once per file whose recorded size is wrong", async () => {
    const warnings = collectWarnings();
    const expected = fixtureExpectation(TABLE);
    const { rows } = await readAllRows(await open());
    const { rows: original } = await readAllRows(await ArchiveTable.open(fixturePath(TABLE)));
    expect(rows).toHaveLength(expected.rowCount);
    expect(rows).toEqual(original);
    for (const sample of expected.sampleRows) expect(rows).toContainEqual(sample);
    const read = warnings.filter((warning) => /file_size_in_bytes/.test(warning));
    expect(read.length).toBeGreaterThan(0);
    for (const warning of read) {
      const name = [...sizes.keys()].find((file) => warning.includes(file))!;
      expect(name, warning).toBeDefined();
      expect(warning).toContain(`${sizes.get(name)!.before}`);
      expect(warning).toContain(`${sizes.get(name)!.after}`);
    }
    expect(new Set(read).size).toBe(read.length);

    // A second read of the same files says nothing new.
    const again = warnings.length;
    await readAllRows(await open());
    expect(warnings).toHaveLength(again);
  });
});
