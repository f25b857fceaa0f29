// Avro object container files (Avro spec "Object Container Files"), written and read in memory.
// avsc encodes the records; the container is framed here so the header carries the schema exactly
// as given (Iceberg's `field-id`, `element-id` and map `logicalType` attributes, which avsc drops
// when it re-exports a schema) and so the sync marker can be chosen (reproducible files).
import avro from "avsc";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "../errors.ts";

/** Avro `long` as BigInt (snapshot ids exceed 2^53); accepts safe-integer numbers when writing. */
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint | number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) =>
    (typeof value === "bigint" && BigInt.asIntN(64, value) === value) ||
    (typeof value === "number" && Number.isSafeInteger(value)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** An avsc type for `schema` whose longs are BigInt. */
function avroType(schema: avro.Schema): avro.Type {
  return avro.Type.forSchema(schema, { registry: { long: BIGINT_LONG } });
}

const MAGIC = Buffer.from("Obj\x01", "latin1");
const HEADER_TYPE = avro.Type.forSchema({
  type: "record",
  name: "org.apache.avro.file.Header",
  fields: [
    { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
    { name: "meta", type: { type: "map", values: "bytes" } },
    { name: "sync", type: { type: "fixed", name: "Sync", size: 16 } },
  ],
});
const COUNT_TYPE = avro.Type.forSchema("long");
/** Uncompressed bytes per block; manifests are small, so most fit in one. */
const BLOCK_BYTES = 1024 * 1024;
const CODEC = "deflate";

export interface AvroContainerContent {
  /** Header metadata besides `avro.schema` and `avro.codec`, as UTF-8 strings. */
  metadata: Record<string, string>;
  records: unknown[];
}

/** An Avro container file (deflate-compressed) holding `records`. `syncMarker` is 16 bytes. */
export function encodeAvroContainer(
  schema: object,
  records: readonly unknown[],
  metadata: Record<string, string>,
  syncMarker: Uint8Array,
): Uint8Array {
  if (syncMarker.length !== 16) throw new RangeError(`an Avro sync marker has 16 bytes, got ${syncMarker.length}`);
  const type = avroType(schema as avro.Schema);
  const sync = Buffer.from(syncMarker);
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value, "utf8");
  meta["avro.schema"] = Buffer.from(JSON.stringify(schema), "utf8");
  meta["avro.codec"] = Buffer.from(CODEC, "utf8");
  const parts: Buffer[] = [HEADER_TYPE.toBuffer({ magic: MAGIC, meta, sync })];

  let block: Buffer[] = [];
  let blockBytes = 0;
  const flush = () => {
    const compressed = deflateRawSync(Buffer.concat(block));
    parts.push(COUNT_TYPE.toBuffer(block.length), COUNT_TYPE.toBuffer(compressed.length), compressed, sync);
    block = [];
    blockBytes = 0;
  };
  for (const record of records) {
    const encoded = type.toBuffer(record);
    block.push(encoded);
    blockBytes += encoded.length;
    if (blockBytes >= BLOCK_BYTES) flush();
  }
  if (block.length > 0) flush();
  return Buffer.concat(parts);
}

/** Reads a container file with the schema in its own header; `file` names it in errors. */
export function decodeAvroContainer(bytes: Uint8Array, file: string): AvroContainerContent {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = decodeAt(HEADER_TYPE, buffer, 0, file, "header");
  const { magic, meta, sync } = header.value as { magic: Buffer; meta: Record<string, Buffer>; sync: Buffer };
  if (!magic.equals(MAGIC)) throw new CorruptArchiveError(file, "is not an Avro container file (bad magic bytes)");
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) metadata[key] = value.toString("utf8");
  const codec = metadata["avro.codec"] ?? "null";
  if (codec !== "null" && codec !== "deflate") {
    throw new UnsupportedArchiveFeatureError(file, `uses the Avro codec "${codec}"; supported: null, deflate`);
  }
  const type = avroType(JSON.parse(metadata["avro.schema"] ?? "null") as avro.Schema);

  const records: unknown[] = [];
  let position = header.offset;
  while (position < buffer.length) {
    const count = decodeAt(COUNT_TYPE, buffer, position, file, "block count");
    const size = decodeAt(COUNT_TYPE, buffer, count.offset, file, "block size");
    const end = size.offset + Number(size.value);
    if (end + 16 > buffer.length) throw new CorruptArchiveError(file, `is truncated: a block ends at byte ${end + 16} of ${buffer.length}`);
    if (!buffer.subarray(end, end + 16).equals(sync)) throw new CorruptArchiveError(file, `has a bad sync marker at byte ${end}`);
    const stored = buffer.subarray(size.offset, end);
    const data = codec === "deflate" ? inflateRawSync(stored) : stored;
    let offset = 0;
    for (let index = 0; index < Number(count.value); index++) {
      const record = decodeAt(type, data, offset, file, "record");
      records.push(record.value);
      offset = record.offset;
    }
    position = end + 16;
  }
  return { metadata, records };
}

function decodeAt(type: avro.Type, buffer: Buffer, position: number, file: string, what: string): { value: unknown; offset: number } {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(buffer, position);
  } catch (error) {
    throw new CorruptArchiveError(file, `has an unreadable Avro ${what} at byte ${position} (${(error as Error).message})`);
  }
  if (decoded.offset < 0) throw new CorruptArchiveError(file, `is truncated inside an Avro ${what} at byte ${position}`);
  return decoded;
}
