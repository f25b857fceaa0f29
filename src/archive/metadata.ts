// Iceberg table metadata (spec "Table Metadata"), held in the spec's own JSON shape. v1 files are
// normalised to the v2 shape on load so the rest of the code reads one form.
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "./errors.ts";
import { parseJsonLossless, stringifyJsonLossless } from "./json.ts";
import { fieldById, type IcebergSchema } from "./schema.ts";

export interface PartitionField {
  "source-id": number;
  "field-id": number;
  name: string;
  transform: string;
}

export interface PartitionSpec {
  "spec-id": number;
  fields: PartitionField[];
}

export interface Snapshot {
  "snapshot-id": bigint;
  "parent-snapshot-id"?: bigint;
  "sequence-number": number;
  "timestamp-ms": number;
  "manifest-list": string;
  summary: { operation: string; [key: string]: string };
  "schema-id"?: number;
  "first-row-id"?: number;
  "added-rows"?: number;
}

export interface SnapshotRef {
  "snapshot-id": bigint;
  type: "branch" | "tag";
  [key: string]: unknown;
}

export interface TableMetadata {
  "format-version": 1 | 2 | 3;
  "table-uuid": string;
  location: string;
  "last-sequence-number": number;
  "last-updated-ms": number;
  "last-column-id": number;
  schemas: IcebergSchema[];
  "current-schema-id": number;
  "partition-specs": PartitionSpec[];
  "default-spec-id": number;
  "last-partition-id": number;
  properties: Record<string, string>;
  "current-snapshot-id"?: bigint;
  snapshots: Snapshot[];
  "snapshot-log": Array<{ "timestamp-ms": number; "snapshot-id": bigint }>;
  "metadata-log": Array<{ "timestamp-ms": number; "metadata-file": string }>;
  "sort-orders": Array<{ "order-id": number; fields: unknown[] }>;
  "default-sort-order-id": number;
  refs: Record<string, SnapshotRef>;
  [key: string]: unknown;
}

export const SUPPORTED_FORMAT_VERSIONS = [1, 2, 3] as const;

/** Parses a metadata JSON document; `file` names it in errors. */
export function parseTableMetadata(text: string, file: string): TableMetadata {
  let raw: unknown;
  try {
    raw = parseJsonLossless(text);
  } catch (error) {
    throw new CorruptArchiveError(file, `is not valid JSON (${(error as Error).message})`);
  }
  return tableMetadataFromJson(raw, file);
}

/** Metadata from an already parsed JSON value (parsed losslessly: see json.ts), e.g. a REST catalog response. */
export function tableMetadataFromJson(raw: unknown, file: string): TableMetadata {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CorruptArchiveError(file, "is not a JSON object, so it cannot be Iceberg table metadata");
  }
  return normalizeMetadata(raw as Record<string, unknown>, file);
}

export function serializeTableMetadata(metadata: TableMetadata): string {
  return stringifyJsonLossless(metadata, 2);
}

function normalizeMetadata(raw: Record<string, unknown>, file: string): TableMetadata {
  const required = (key: string) => {
    if (raw[key] === undefined || raw[key] === null) {
      throw new CorruptArchiveError(file, `is missing the required field "${key}"`);
    }
    return raw[key];
  };
  const formatVersion = Number(required("format-version"));
  if (!SUPPORTED_FORMAT_VERSIONS.includes(formatVersion as 1 | 2 | 3)) {
    throw new UnsupportedArchiveFeatureError(file, `has format-version ${formatVersion}; supported: 1, 2, 3`);
  }
  const location = String(required("location"));

  // v1 may carry a single `schema` / `partition-spec` instead of the lists.
  const schemas = (raw.schemas as IcebergSchema[] | undefined) ?? [
    { ...(required("schema") as IcebergSchema), "schema-id": (raw.schema as IcebergSchema)["schema-id"] ?? 0 },
  ];
  const currentSchemaId = raw["current-schema-id"] ?? schemas[0]!["schema-id"];
  const specs = (raw["partition-specs"] as PartitionSpec[] | undefined) ?? [
    { "spec-id": 0, fields: required("partition-spec") as PartitionField[] },
  ];
  const snapshots = ((raw.snapshots as Snapshot[] | undefined) ?? []).map((snapshot) =>
    normalizeSnapshot(snapshot, file),
  );
  const currentSnapshot = toSnapshotId(raw["current-snapshot-id"]);
  const metadata: TableMetadata = {
    ...raw,
    "format-version": formatVersion as 1 | 2 | 3,
    "table-uuid": String(raw["table-uuid"] ?? ""),
    location,
    "last-sequence-number": Number(raw["last-sequence-number"] ?? 0),
    "last-updated-ms": Number(required("last-updated-ms")),
    "last-column-id": Number(required("last-column-id")),
    schemas,
    "current-schema-id": Number(currentSchemaId),
    "partition-specs": specs,
    "default-spec-id": Number(raw["default-spec-id"] ?? specs[0]?.["spec-id"] ?? 0),
    "last-partition-id": Number(raw["last-partition-id"] ?? 999),
    properties: (raw.properties as Record<string, string> | undefined) ?? {},
    "current-snapshot-id": currentSnapshot,
    snapshots,
    "snapshot-log": ((raw["snapshot-log"] as TableMetadata["snapshot-log"] | undefined) ?? []).map((entry) => ({
      "timestamp-ms": Number(entry["timestamp-ms"]),
      "snapshot-id": BigInt(entry["snapshot-id"]),
    })),
    "metadata-log": (raw["metadata-log"] as TableMetadata["metadata-log"] | undefined) ?? [],
    "sort-orders": (raw["sort-orders"] as TableMetadata["sort-orders"] | undefined) ?? [{ "order-id": 0, fields: [] }],
    "default-sort-order-id": Number(raw["default-sort-order-id"] ?? 0),
    refs: normalizeRefs(raw.refs, currentSnapshot),
  };
  if (!metadata.schemas.some((schema) => schema["schema-id"] === metadata["current-schema-id"])) {
    throw new CorruptArchiveError(
      file,
      `current-schema-id ${metadata["current-schema-id"]} names no schema in "schemas"`,
    );
  }
  if (currentSnapshot !== undefined && !snapshots.some((snapshot) => snapshot["snapshot-id"] === currentSnapshot)) {
    throw new CorruptArchiveError(file, `current-snapshot-id ${currentSnapshot} names no snapshot in "snapshots"`);
  }
  return metadata;
}

function normalizeSnapshot(snapshot: Snapshot, file: string): Snapshot {
  if (snapshot["manifest-list"] === undefined) {
    if ((snapshot as unknown as Record<string, unknown>).manifests !== undefined) {
      throw new UnsupportedArchiveFeatureError(
        file,
        `snapshot ${snapshot["snapshot-id"]} lists manifests inline (v1 without a manifest list); rewrite the table with a current Iceberg writer`,
      );
    }
    throw new CorruptArchiveError(file, `snapshot ${snapshot["snapshot-id"]} has no "manifest-list"`);
  }
  return {
    ...snapshot,
    "snapshot-id": BigInt(snapshot["snapshot-id"]),
    ...(snapshot["parent-snapshot-id"] !== undefined
      ? { "parent-snapshot-id": BigInt(snapshot["parent-snapshot-id"]) }
      : {}),
    "sequence-number": Number(snapshot["sequence-number"] ?? 0),
    "timestamp-ms": Number(snapshot["timestamp-ms"]),
    summary: snapshot.summary ?? { operation: "append" },
  };
}

function normalizeRefs(raw: unknown, currentSnapshot: bigint | undefined): Record<string, SnapshotRef> {
  const refs: Record<string, SnapshotRef> = {};
  for (const [name, ref] of Object.entries((raw as Record<string, SnapshotRef> | undefined) ?? {})) {
    refs[name] = { ...ref, "snapshot-id": BigInt(ref["snapshot-id"]) };
  }
  if (!refs.main && currentSnapshot !== undefined) refs.main = { "snapshot-id": currentSnapshot, type: "branch" };
  return refs;
}

function toSnapshotId(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  const id = BigInt(value as number | bigint);
  return id === -1n ? undefined : id; // v1 writers use -1 for "no current snapshot"
}

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  return schemaById(metadata, metadata["current-schema-id"]);
}

export function schemaById(metadata: TableMetadata, schemaId: number): IcebergSchema {
  const schema = metadata.schemas.find((candidate) => candidate["schema-id"] === schemaId);
  if (!schema) throw new CorruptArchiveError(undefined, `schema ${schemaId} is not in the table metadata`);
  return schema;
}

export function partitionSpecById(metadata: TableMetadata, specId: number): PartitionSpec {
  const spec = metadata["partition-specs"].find((candidate) => candidate["spec-id"] === specId);
  if (!spec) throw new CorruptArchiveError(undefined, `partition spec ${specId} is not in the table metadata`);
  return spec;
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata["current-snapshot-id"];
  return id === undefined ? undefined : snapshotById(metadata, id);
}

export function snapshotById(metadata: TableMetadata, snapshotId: bigint): Snapshot {
  const snapshot = metadata.snapshots.find((candidate) => candidate["snapshot-id"] === snapshotId);
  if (!snapshot) {
    const known = metadata.snapshots.map((candidate) => candidate["snapshot-id"]).join(", ") || "none";
    throw new CorruptArchiveError(undefined, `Snapshot ${snapshotId} not found in metadata (snapshots: ${known})`);
  }
  return snapshot;
}

/** The snapshot that was current at `timestampMs` (time travel "as of"), from the snapshot log. */
export function snapshotAsOf(metadata: TableMetadata, timestampMs: number): Snapshot {
  let found: bigint | undefined;
  for (const entry of metadata["snapshot-log"]) if (entry["timestamp-ms"] <= timestampMs) found = entry["snapshot-id"];
  if (found === undefined) {
    for (const snapshot of metadata.snapshots)
      if (snapshot["timestamp-ms"] <= timestampMs) found = snapshot["snapshot-id"];
  }
  if (found === undefined) {
    throw new CorruptArchiveError(
      undefined,
      `no snapshot existed at ${new Date(timestampMs).toISOString()}; the oldest is from ${new Date(
        Math.min(...metadata.snapshots.map((snapshot) => snapshot["timestamp-ms"])),
      ).toISOString()}`,
    );
  }
  return snapshotById(metadata, found);
}

/** The schema a snapshot was written with (the current one for writers that do not record it). */
export function snapshotSchema(metadata: TableMetadata, snapshot: Snapshot): IcebergSchema {
  return snapshot["schema-id"] === undefined ? currentSchema(metadata) : schemaById(metadata, snapshot["schema-id"]);
}

/** The table's sort column when its sort order starts with an ascending identity sort on one (an event archive: its position column). */
export function sortColumnOf(metadata: TableMetadata, schema: IcebergSchema): string | undefined {
  const order = metadata["sort-orders"].find(
    (candidate) => candidate["order-id"] === metadata["default-sort-order-id"],
  );
  const first = order?.fields[0] as { transform?: string; "source-id"?: number; direction?: string } | undefined;
  if (!first || first.transform !== "identity" || first.direction !== "asc" || first["source-id"] === undefined)
    return undefined;
  return fieldById(schema, first["source-id"])?.name;
}
