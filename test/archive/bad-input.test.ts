import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ArchiveNotFoundError,
  CorruptArchiveError,
  ForeignPathError,
  UnsupportedArchiveFeatureError,
} from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { fixturePath } from "../support/fixtures.ts";
import { readAllRows } from "../support/fixture-expectations.ts";

const copies: string[] = [];
afterEach(() => copies.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A private copy of a fixture table that a test may damage. */
function copyOf(table: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "reproject-bad-")), table);
  cpSync(fixturePath(table), dir, { recursive: true });
  copies.push(dir);
  return dir;
}

function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

async function readFully(location: string) {
  return readAllRows(await ArchiveTable.open(location));
}

const CURRENT_MANIFEST_LIST = "snap-2701171901096418979-1-91d5eea0-314d-4056-8818-59b825cbd38a.avro";
const SPARK_DATA_FILE = "data/00000-1-6cd7611f-0ceb-4cf3-8b8e-8c856356df3e-00001.parquet";

describe("bad input gets an error naming the file and the problem", () => {
  it("a table location that does not exist", async () => {
    const missing = join(tmpdir(), "reproject-no-such-table");
    await expect(ArchiveTable.open(missing)).rejects.toThrow(ArchiveNotFoundError);
    await expect(ArchiveTable.open(missing)).rejects.toThrow(/reproject-no-such-table\/metadata\/: no Iceberg table here/);
  });

  it("a folder without any metadata file", async () => {
    const dir = copyOf("spark_bunnies");
    rmSync(join(dir, "metadata"), { recursive: true });
    mkdirSync(join(dir, "metadata"));
    writeFileSync(join(dir, "metadata", "notes.txt"), "not a table");
    await expect(ArchiveTable.open(dir)).rejects.toThrow(/metadata\/: has no \*\.metadata\.json file/);
  });

  it("metadata that is not JSON", async () => {
    const dir = copyOf("spark_bunnies");
    writeFileSync(join(dir, "metadata", "v5.metadata.json"), '{"format-version": 2, "location": ');
    await expect(ArchiveTable.open(dir)).rejects.toThrow(CorruptArchiveError);
    await expect(ArchiveTable.open(dir)).rejects.toThrow(/v5\.metadata\.json: is not valid JSON/);
  });

  it("metadata missing a required field", async () => {
    const dir = copyOf("spark_bunnies");
    editJson(join(dir, "metadata", "v5.metadata.json"), (json) => delete json["last-column-id"]);
    await expect(ArchiveTable.open(dir)).rejects.toThrow(/v5\.metadata\.json: is missing the required field "last-column-id"/);
  });

  it("a format version from the future", async () => {
    const dir = copyOf("spark_bunnies");
    editJson(join(dir, "metadata", "v5.metadata.json"), (json) => (json["format-version"] = 4));
    await expect(ArchiveTable.open(dir)).rejects.toThrow(UnsupportedArchiveFeatureError);
    await expect(ArchiveTable.open(dir)).rejects.toThrow(/format-version 4; supported: 1, 2, 3/);
  });

  it("a column of an unknown type", async () => {
    const dir = copyOf("spark_bunnies");
    editJson(join(dir, "metadata", "v5.metadata.json"), (json) => {
      const schemas = json.schemas as Array<{ fields: Array<{ type: string }> }>;
      schemas.at(-1)!.fields[0]!.type = "geometry2";
    });
    await expect(readFully(dir)).rejects.toThrow(/unknown Iceberg type "geometry2"/);
  });

  it("a snapshot whose manifest list is missing", async () => {
    const dir = copyOf("spark_bunnies");
    const metadata = JSON.parse(readFileSync(join(dir, "metadata", "v5.metadata.json"), "utf8")) as {
      snapshots: Array<{ "manifest-list": string }>;
    };
    rmSync(join(dir, metadata.snapshots.at(-1)!["manifest-list"].replace("s3a://hyperparam-iceberg/spark/bunnies/", "")));
    await expect(readFully(dir)).rejects.toThrow(ArchiveNotFoundError);
    await expect(readFully(dir)).rejects.toThrow(/snap-2701171901096418979-.*\.avro: no such file/);
  });

  it("a manifest cut short", async () => {
    const dir = copyOf("spark_bunnies");
    const manifest = join(dir, "metadata", "ac75cc9f-cc0c-4712-8337-fe4b0c473459-m0.avro");
    truncateSync(manifest, Math.floor(statSync(manifest).size / 2));
    await expect(readFully(dir)).rejects.toThrow(CorruptArchiveError);
    await expect(readFully(dir)).rejects.toThrow(/m0\.avro: is 3558 bytes but the manifest list says 7116/);
  });

  it("a manifest list cut short in the middle of a block", async () => {
    const dir = copyOf("spark_bunnies");
    const list = join(dir, "metadata", CURRENT_MANIFEST_LIST);
    truncateSync(list, statSync(list).size - 40);
    await expect(readFully(dir)).rejects.toThrow(CorruptArchiveError);
    await expect(readFully(dir)).rejects.toThrow(/snap-2701171901096418979-.*\.avro: is truncated: a block ends at byte \d+ of \d+/);
  });

  it("a file with the wrong magic bytes where the manifest list should be", async () => {
    const dir = copyOf("spark_bunnies");
    writeFileSync(join(dir, "metadata", CURRENT_MANIFEST_LIST), "PAR1 not avro at all");
    await expect(readFully(dir)).rejects.toThrow(/snap-2701171901096418979-.*\.avro: is not an Avro container file \(bad magic bytes\)/);
  });

  it("a manifest that lists a data file which is gone", async () => {
    const dir = copyOf("spark_bunnies");
    rmSync(join(dir, SPARK_DATA_FILE));
    await expect(readFully(dir)).rejects.toThrow(ArchiveNotFoundError);
    await expect(readFully(dir)).rejects.toThrow(/00000-1-6cd7611f-.*\.parquet: no such file/);
  });

  it("a truncated Parquet file", async () => {
    const dir = copyOf("spark_bunnies");
    const file = join(dir, SPARK_DATA_FILE);
    truncateSync(file, statSync(file).size - 100);
    await expect(readFully(dir)).rejects.toThrow(CorruptArchiveError);
    await expect(readFully(dir)).rejects.toThrow(/00000-1-6cd7611f-.*\.parquet: is truncated: wanted bytes 0-3559 but the file ends at byte 3460/);
  });

  it("a Parquet file whose footer magic is wrong", async () => {
    const dir = copyOf("spark_bunnies");
    const file = join(dir, SPARK_DATA_FILE);
    const bytes = readFileSync(file);
    bytes.write("XXXX", bytes.length - 4, "latin1");
    writeFileSync(file, bytes);
    await expect(readFully(dir)).rejects.toThrow(/\.parquet: is not a readable Parquet file \(parquet file invalid \(footer != PAR1\)\)/);
  });

  it("a Parquet data page with flipped bytes", async () => {
    const dir = copyOf("java_bunnies");
    const file = join(dir, "data", "bunnies-initial.parquet");
    const bytes = readFileSync(file);
    for (let offset = 40; offset < 140; offset++) bytes[offset] = bytes[offset]! ^ 0xff;
    writeFileSync(file, bytes);
    await expect(readFully(dir)).rejects.toThrow(/bunnies-initial\.parquet: row group 0, column "Breed_x20Name" cannot be decoded \(invalid length\/literal\)/);
  });

  it("a manifest list path outside the table location", async () => {
    const dir = copyOf("spark_bunnies");
    editJson(join(dir, "metadata", "v5.metadata.json"), (json) => {
      const snapshots = json.snapshots as Array<Record<string, unknown>>;
      snapshots.at(-1)!["manifest-list"] = "s3a://someone-else/secrets/snap.avro";
    });
    await expect(readFully(dir)).rejects.toThrow(ForeignPathError);
    await expect(readFully(dir)).rejects.toThrow(/s3a:\/\/someone-else\/secrets\/snap\.avro: is outside the table location/);
  });

  it("a path that climbs out of the table with ../", async () => {
    const dir = copyOf("spark_bunnies");
    editJson(join(dir, "metadata", "v5.metadata.json"), (json) => {
      const snapshots = json.snapshots as Array<Record<string, unknown>>;
      snapshots.at(-1)!["manifest-list"] = "s3a://hyperparam-iceberg/spark/bunnies/../../../etc/passwd";
    });
    await expect(readFully(dir)).rejects.toThrow(ForeignPathError);
  });

  it("an unknown snapshot id", async () => {
    const table = await ArchiveTable.open(fixturePath("spark_bunnies"));
    expect(() => table.snapshot({ snapshotId: 1234n })).toThrow(/Snapshot 1234 not found in metadata/);
  });
});
