// v3 deletion vectors (Puffin) are refused, not ignored: until a real v3 table with them can be
// tested, reading on would return deleted rows. The table here is java_bunnies with its positional
// delete file's manifest entry saying PUFFIN, as a v3 writer records a deletion vector.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { decodeAvroContainer, encodeAvroContainer } from "../../src/archive/avro.ts";
import { UnsupportedArchiveFeatureError } from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { readAllRows } from "../support/fixture-expectations.ts";
import { fixturePath } from "../support/fixtures.ts";

type ManifestRecord = { data_file: { content: number; file_format: string; file_path: string } };

/** Re-encodes an Avro container file in place with `change` applied to its records. */
function rewriteAvro<Record>(path: string, change: (records: Record[]) => void): void {
  const { metadata, records } = decodeAvroContainer(readFileSync(path), path);
  change(records as Record[]);
  const { "avro.schema": schema, "avro.codec": _codec, ...rest } = metadata;
  writeFileSync(path, encodeAvroContainer(JSON.parse(schema!), records, rest, new Uint8Array(16).fill(7)));
}

function withDeletionVector(): { table: string; deleteFile: string } {
  const table = join(mkdtempSync(join(tmpdir(), "reproject-dv-")), "java_bunnies");
  cpSync(fixturePath("java_bunnies"), table, { recursive: true });
  for (const name of readdirSync(join(table, "metadata")).filter((file) => /-m\d\.avro$/.test(file))) {
    const path = join(table, "metadata", name);
    const entries = decodeAvroContainer(readFileSync(path), path).records as ManifestRecord[];
    const positional = entries.find((entry) => entry.data_file.content === 1);
    if (!positional) continue;
    rewriteAvro<ManifestRecord>(path, (records) => {
      for (const entry of records) if (entry.data_file.content === 1) entry.data_file.file_format = "PUFFIN";
    });
    // Manifest lists record each manifest's length.
    for (const list of readdirSync(join(table, "metadata")).filter((file) => file.startsWith("snap-"))) {
      rewriteAvro<{ manifest_path: string; manifest_length: bigint | number }>(join(table, "metadata", list), (manifests) => {
        for (const manifest of manifests) {
          if (manifest.manifest_path.endsWith(name)) manifest.manifest_length = BigInt(readFileSync(path).length);
        }
      });
    }
    return { table, deleteFile: positional.data_file.file_path.split("/").at(-1)! };
  }
  throw new Error("java_bunnies has no positional delete file");
}

it("a table with a deletion vector is refused, naming the Puffin file and why", async () => {
  const { table, deleteFile } = withDeletionVector();
  const archive = await ArchiveTable.open(table);
  const reading = readAllRows(archive);
  await expect(reading).rejects.toThrow(UnsupportedArchiveFeatureError);
  await expect(readAllRows(archive)).rejects.toThrow(
    new RegExp(`${deleteFile}: is a v3 deletion vector \\(Puffin\\); this reader does not apply deletion vectors yet, and reading on would return deleted rows`),
  );
});
