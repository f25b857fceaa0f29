import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { CorruptArchiveError } from "../../src/archive/errors.ts";
import { decodeAvroContainer, encodeAvroContainer } from "../../src/archive/avro.ts";
import { decodeManifestList, encodeManifestList, type ManifestFileRecord } from "../../src/archive/writer/manifest-list.ts";

const SYNC = Uint8Array.from({ length: 16 }, (_, index) => index * 7);

const SNAPSHOT_SCHEMA = {
  type: "record",
  name: "snapshot_row",
  fields: [
    { name: "snapshot_id", type: "long", "field-id": 1 },
    { name: "offsets", type: ["null", { type: "array", items: "long", "element-id": 3 }], default: null, "field-id": 2 },
  ],
};

describe("Avro container files", () => {
  it("round-trips longs beyond 2^53 exactly, as BigInt", () => {
    const records = [
      { snapshot_id: 9_007_199_254_740_993n, offsets: [4n, 2n ** 62n] },
      { snapshot_id: 7, offsets: null },
    ];
    const bytes = encodeAvroContainer(SNAPSHOT_SCHEMA, records, { "format-version": "2" }, SYNC);
    const decoded = decodeAvroContainer(bytes, "snapshots.avro");
    expect(decoded.records).toEqual([
      { snapshot_id: 9_007_199_254_740_993n, offsets: [4n, 2n ** 62n] },
      { snapshot_id: 7n, offsets: null },
    ]);
    expect(decoded.metadata["format-version"]).toBe("2");
  });

  it("keeps Iceberg's field-id and element-id attributes in the header schema", () => {
    const directory = mkdtempSync(join(tmpdir(), "reproject-avro-"));
    const path = join(directory, "header.avro");
    writeFileSync(path, encodeAvroContainer(SNAPSHOT_SCHEMA, [], {}, SYNC));
    const header = avro.extractFileHeader(path) as { meta: Record<string, unknown>; sync: Buffer };
    rmSync(directory, { recursive: true });
    expect(header.meta["avro.schema"]).toEqual(SNAPSHOT_SCHEMA);
    expect(header.meta["avro.codec"]).toBe("deflate");
    expect([...header.sync]).toEqual([...SYNC]);
  });

  it("writes the same bytes for the same records and sync marker", () => {
    const records = [{ snapshot_id: 1n, offsets: [4n] }];
    expect(encodeAvroContainer(SNAPSHOT_SCHEMA, records, {}, SYNC)).toEqual(encodeAvroContainer(SNAPSHOT_SCHEMA, records, {}, SYNC));
  });

  it("refuses a truncated file with a message naming it", () => {
    const bytes = encodeAvroContainer(SNAPSHOT_SCHEMA, [{ snapshot_id: 1n, offsets: null }], {}, SYNC);
    expect(() => decodeAvroContainer(bytes.subarray(0, bytes.length - 5), "snap-1.avro")).toThrow(CorruptArchiveError);
    expect(() => decodeAvroContainer(bytes.subarray(0, bytes.length - 5), "snap-1.avro")).toThrow(/^snap-1\.avro: is truncated/);
    expect(() => decodeAvroContainer(Buffer.from("not avro at all"), "x.avro")).toThrow(/x\.avro: /);
  });
});

describe("manifest lists", () => {
  const manifest: ManifestFileRecord = {
    manifest_path: "s3://bucket/events/metadata/m0.avro",
    manifest_length: 5588,
    partition_spec_id: 0,
    content: 0,
    sequence_number: 3,
    min_sequence_number: 3,
    added_snapshot_id: 8_123_456_789_012_345_678n,
    added_files_count: 2,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: 1234,
    existing_rows_count: 0,
    deleted_rows_count: 0,
    partitions: [{ contains_null: false, contains_nan: false, lower_bound: Uint8Array.of(0x79, 0x4e, 0, 0), upper_bound: null }],
    key_metadata: null,
  };

  it("carries records forward unchanged through decode and encode", () => {
    const first = encodeManifestList({ snapshotId: 1n, parentSnapshotId: undefined, sequenceNumber: 3, manifests: [manifest], syncMarker: SYNC });
    const carried = decodeManifestList(first, "snap-1.avro");
    expect(carried[0]!.added_snapshot_id).toBe(8_123_456_789_012_345_678n);
    expect(carried[0]!.sequence_number).toBe(3n);
    expect([...carried[0]!.partitions![0]!.lower_bound!]).toEqual([0x79, 0x4e, 0, 0]);

    const second = encodeManifestList({ snapshotId: 2n, parentSnapshotId: 1n, sequenceNumber: 4, manifests: carried, syncMarker: SYNC });
    const { records, metadata } = decodeAvroContainer(second, "snap-2.avro");
    expect(records).toEqual(carried);
    expect(metadata).toMatchObject({ "snapshot-id": "2", "parent-snapshot-id": "1", "sequence-number": "4", "format-version": "2" });
  });
});
