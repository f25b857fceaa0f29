import { describe, expect, it } from "vitest";
import { ArchiveError, UnsupportedArchiveFeatureError } from "../../src/archive/errors.ts";
import type { PartitionSpec, TableMetadata } from "../../src/archive/metadata.ts";
import { encodeSingleValue } from "../../src/archive/single-value.ts";
import {
  eventAppendSchema,
  eventArchiveSchema,
  eventPartitionSpec,
  eventSortOrder,
} from "../../src/archive/writer/event-archive.ts";
import { partitionSummaries } from "../../src/archive/writer/manifest.ts";
import type { DataFile } from "../../src/archive/writer/parquet-data-file.ts";
import { dayFromEpochMicros, partitionAvroFields, partitionPath, rowPartitioner } from "../../src/archive/writer/partitioning.ts";
import { resolveAppendSchema } from "../../src/archive/writer/schema-evolution.ts";
import { defineEnvelope } from "../../src/registry/index.ts";

const envelope = defineEnvelope({ attributes: { cdn: "string", device: "string" } });
const EVENT_ARCHIVE_SCHEMA = eventArchiveSchema(envelope);
/** Schema 1: `country` added as an optional column. */
const EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY = {
  ...EVENT_ARCHIVE_SCHEMA,
  "schema-id": 1,
  fields: [...EVENT_ARCHIVE_SCHEMA.fields, { id: 10, name: "country", required: false, type: "string" as const }],
};
const EVENT_PARTITION_SPEC = eventPartitionSpec(envelope);

function tableWith(schemas = [EVENT_ARCHIVE_SCHEMA], currentSchemaId = 0): TableMetadata {
  return {
    "format-version": 2,
    "table-uuid": "00000000-0000-4000-8000-000000000000",
    location: "/tables/events",
    "last-sequence-number": 0,
    "last-updated-ms": 0,
    "last-column-id": Math.max(...schemas.flatMap((schema) => schema.fields.map((field) => field.id))),
    schemas,
    "current-schema-id": currentSchemaId,
    "partition-specs": [EVENT_PARTITION_SPEC],
    "default-spec-id": 0,
    "last-partition-id": 1000,
    properties: {},
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
    "sort-orders": [{ "order-id": 0, fields: [] }],
    "default-sort-order-id": 0,
    refs: {},
  };
}

describe("the event archive's layout from the envelope", () => {
  const orders = defineEnvelope({
    columns: { position: "seq", occurredAt: "placed_at", payload: "body" },
    attributes: { region: "string", priority: "number", express: { column: "is_express", type: "boolean" } },
  });

  it("has the core columns (required), each attribute (optional; numbers as double) and the payload last", () => {
    expect(eventArchiveSchema(orders).fields).toEqual([
      { id: 1, name: "seq", required: true, type: "long" },
      { id: 2, name: "event_id", required: true, type: "string" },
      { id: 3, name: "event_type", required: true, type: "string" },
      { id: 4, name: "event_version", required: true, type: "int" },
      { id: 5, name: "placed_at", required: true, type: "timestamptz" },
      { id: 6, name: "stream_id", required: true, type: "string" },
      { id: 7, name: "region", required: false, type: "string" },
      { id: 8, name: "priority", required: false, type: "double" },
      { id: 9, name: "is_express", required: false, type: "boolean" },
      { id: 10, name: "body", required: true, type: "string" },
    ]);
  });

  it("is partitioned by day of the time column and sorted by the position column", () => {
    expect(eventPartitionSpec(orders).fields).toEqual([{ name: "placed_at_day", transform: "day", "source-id": 5, "field-id": 1000 }]);
    expect(eventSortOrder(orders).fields).toEqual([{ transform: "identity", "source-id": 1, direction: "asc", "null-order": "nulls-first" }]);
  });

  it("appends with the current schema while the envelope declares nothing new", () => {
    expect(eventAppendSchema(tableWith([EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY], 1), envelope)).toEqual(EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY);
  });

  it("adds a newly declared attribute as an optional column above the last column id", () => {
    const withRegion = defineEnvelope({ attributes: { ...envelope.attributes, retries: "number" } });
    const schema = eventAppendSchema(tableWith([EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY], 1), withRegion);
    expect(schema.fields.slice(-2)).toEqual([
      { id: 10, name: "country", required: false, type: "string" },
      { id: 11, name: "retries", required: false, type: "double" },
    ]);
  });

  it("refuses a table whose column has a type the envelope's attribute cannot be", () => {
    const retyped = defineEnvelope({ attributes: { cdn: "number" } });
    expect(() => eventAppendSchema(tableWith(), retyped)).toThrow(
      /\/tables\/events: the archive does not carry the app's event envelope: its column "cdn" for the number attribute "cdn" is string/,
    );
  });
});

describe("the schema an append writes with", () => {
  it("is the table's own schema when the fields are the same", () => {
    const resolved = resolveAppendSchema(tableWith(), { ...EVENT_ARCHIVE_SCHEMA, "schema-id": 42 });
    expect(resolved).toEqual({ schema: EVENT_ARCHIVE_SCHEMA, isNew: false });
  });

  it("is a new schema with the next id when it adds an optional column", () => {
    const resolved = resolveAppendSchema(tableWith(), { ...EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY, "schema-id": 7 });
    expect(resolved.isNew).toBe(true);
    expect(resolved.schema["schema-id"]).toBe(1);
    expect(resolved.schema.fields.at(-1)).toEqual({ id: 10, name: "country", required: false, type: "string" });
  });

  it("finds an older schema of the table again by its fields", () => {
    const table = tableWith([EVENT_ARCHIVE_SCHEMA, EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY], 1);
    expect(resolveAppendSchema(table, EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY)).toEqual({ schema: EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY, isNew: false });
  });

  it("refuses a new required column: files written before could not have it", () => {
    const schema = { ...EVENT_ARCHIVE_SCHEMA, fields: [...EVENT_ARCHIVE_SCHEMA.fields, { id: 10, name: "region", required: true, type: "string" as const }] };
    expect(() => resolveAppendSchema(tableWith(), schema)).toThrow(ArchiveError);
    expect(() => resolveAppendSchema(tableWith(), schema)).toThrow(/new column "region" is required/);
  });

  it("refuses dropping, retyping or reusing the id of a column", () => {
    const withoutPayload = { ...EVENT_ARCHIVE_SCHEMA, fields: EVENT_ARCHIVE_SCHEMA.fields.filter((field) => field.name !== "payload") };
    expect(() => resolveAppendSchema(tableWith(), withoutPayload)).toThrow(/drops column "payload" \(field 9\)/);
    const retyped = { ...EVENT_ARCHIVE_SCHEMA, fields: EVENT_ARCHIVE_SCHEMA.fields.map((field) => (field.id === 4 ? { ...field, type: "long" as const } : field)) };
    expect(() => resolveAppendSchema(tableWith(), retyped)).toThrow(/changes column "event_version" \(field 4\)/);
    const reused = tableWith([EVENT_ARCHIVE_SCHEMA]);
    reused["last-column-id"] = 12;
    const schema = { ...EVENT_ARCHIVE_SCHEMA, fields: [...EVENT_ARCHIVE_SCHEMA.fields, { id: 11, name: "region", required: false, type: "string" as const }] };
    expect(() => resolveAppendSchema(reused, schema)).toThrow(/reuses field id 11; new ids start above 12/);
  });
});

describe("day partitioning", () => {
  it("counts whole UTC days since the epoch, before it too", () => {
    expect(dayFromEpochMicros(0n)).toBe(0);
    expect(dayFromEpochMicros(BigInt(Date.UTC(2025, 0, 1)) * 1000n)).toBe(20089);
    expect(dayFromEpochMicros(BigInt(Date.UTC(2025, 0, 1, 23, 59, 59, 999)) * 1000n + 999n)).toBe(20089);
    expect(dayFromEpochMicros(-1n)).toBe(-1);
  });

  it("names partition directories by date and tells which rows belong to a partition", () => {
    const partitioner = rowPartitioner<{ occurred_at: bigint }>(EVENT_PARTITION_SPEC, EVENT_ARCHIVE_SCHEMA);
    const row = { occurred_at: BigInt(Date.UTC(2025, 0, 31, 12)) * 1000n };
    const values = partitioner.valuesOf(row);
    expect(values).toEqual({ occurred_at_day: 20119 });
    expect(partitionPath(EVENT_PARTITION_SPEC, values)).toBe("occurred_at_day=2025-01-31");
    expect(partitioner.matches(row, values)).toBe(true);
    expect(partitioner.matches({ occurred_at: row.occurred_at + 86_400_000_000n }, values)).toBe(false);
  });

  it("types the manifest's partition field as an Avro date with the spec's field id", () => {
    expect(partitionAvroFields(EVENT_PARTITION_SPEC, EVENT_ARCHIVE_SCHEMA)).toEqual([
      { name: "occurred_at_day", type: ["null", { type: "int", logicalType: "date" }], default: null, "field-id": 1000 },
    ]);
  });

  it("refuses transforms other than day, and day of a non-timestamp column", () => {
    const bucket: PartitionSpec = { "spec-id": 1, fields: [{ name: "id_bucket", transform: "bucket[16]", "source-id": 1, "field-id": 1000 }] };
    expect(() => partitionAvroFields(bucket, EVENT_ARCHIVE_SCHEMA)).toThrow(UnsupportedArchiveFeatureError);
    expect(() => partitionAvroFields(bucket, EVENT_ARCHIVE_SCHEMA)).toThrow(/"bucket\[16\]" transform on "id_bucket"/);
    const dayOfText: PartitionSpec = { "spec-id": 1, fields: [{ name: "cdn_day", transform: "day", "source-id": 7, "field-id": 1000 }] };
    expect(() => partitionAvroFields(dayOfText, EVENT_ARCHIVE_SCHEMA)).toThrow(/needs a timestamp source column, but field 7 is "cdn" \(string\)/);
  });

  it("summarises the partition values of a manifest's files for the manifest list", () => {
    const files = [{ partition: { occurred_at_day: 20091 } }, { partition: { occurred_at_day: 20089 } }, { partition: { occurred_at_day: 20095 } }];
    const [summary] = partitionSummaries(EVENT_PARTITION_SPEC, files as unknown as DataFile[]);
    expect(summary).toEqual({
      contains_null: false,
      contains_nan: false,
      lower_bound: Buffer.from(encodeSingleValue("int", 20089)),
      upper_bound: Buffer.from(encodeSingleValue("int", 20095)),
    });
  });
});
