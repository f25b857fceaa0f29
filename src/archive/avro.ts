// Avro object container files (Avro spec "Object Container Files"), written and read in memory:
// Iceberg manifest lists and manifests.
// avsc encodes the records; the container is framed here so the header carries the schema exactly
// as given (Iceberg's `field-id`, `element-id` and map `logicalType` attributes, which avsc drops
// when it re-exports a schema) and so the sync marker can be chosen (reproducible files).
import avro from "avsc";
import { snappyUncompress } from "hyparquet";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "./errors.ts";

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

/**
 * Types of schemas read so far, by schema text. Compiling an avsc type costs about a millisecond;
 * a table's manifests share a handful of schemas, and planning or maintenance reads hundreds of them.
 */
const READER_TYPES = new Map<string, avro.Type>();
const READER_TYPES_MAX = 256;

function readerType(schemaText: string): avro.Type {
  let type = READER_TYPES.get(schemaText);
  if (!type) {
    type = avroType(JSON.parse(schemaText) as avro.Schema);
    if (READER_TYPES.size >= READER_TYPES_MAX) READER_TYPES.clear();
    READER_TYPES.set(schemaText, type);
  }
  return type;
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
  if (buffer.length < MAGIC.length || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CorruptArchiveError(file, "is not an Avro container file (bad magic bytes)");
  }
  const header = decodeAt(HEADER_TYPE, buffer, 0, file, "header");
  const { meta, sync } = header.value as { meta: Record<string, Buffer>; sync: Buffer };
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) metadata[key] = value.toString("utf8");
  const codec = metadata["avro.codec"] ?? "null";
  const decompress = DECOMPRESSORS[codec];
  if (!decompress) {
    throw new UnsupportedArchiveFeatureError(
      file,
      `uses the Avro codec "${codec}"; supported: ${Object.keys(DECOMPRESSORS).join(", ")}`,
    );
  }
  const type = readerType(metadata["avro.schema"] ?? "null");

  const records: unknown[] = [];
  let position = header.offset;
  while (position < buffer.length) {
    const count = decodeAt(COUNT_TYPE, buffer, position, file, "block count");
    const size = decodeAt(COUNT_TYPE, buffer, count.offset, file, "block size");
    const end = size.offset + Number(size.value);
    if (end + 16 > buffer.length)
      throw new CorruptArchiveError(file, `is truncated: a block ends at byte ${end + 16} of ${buffer.length}`);
    if (!buffer.subarray(end, end + 16).equals(sync))
      throw new CorruptArchiveError(file, `has a bad sync marker at byte ${end}`);
    const data = decompressBlock(decompress, buffer.subarray(size.offset, end), file, position);
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

const DECOMPRESSORS: Record<string, (block: Buffer) => Buffer> = {
  null: (block) => block,
  deflate: (block) => inflateRawSync(block),
  // A raw snappy block followed by the CRC32 of the uncompressed data.
  snappy: (block) => {
    const compressed = block.subarray(0, block.length - 4);
    const output = new Uint8Array(snappyUncompressedLength(compressed));
    snappyUncompress(compressed, output);
    return Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  },
};

function decompressBlock(decompress: (block: Buffer) => Buffer, block: Buffer, file: string, position: number): Buffer {
  try {
    return decompress(block);
  } catch (error) {
    throw new CorruptArchiveError(
      file,
      `has a block at byte ${position} that does not decompress (${(error as Error).message})`,
    );
  }
}

function snappyUncompressedLength(bytes: Uint8Array): number {
  let length = 0;
  for (let index = 0, shift = 0; index < bytes.length && index < 5; index++, shift += 7) {
    length |= (bytes[index]! & 0x7f) << shift;
    if ((bytes[index]! & 0x80) === 0) return length >>> 0;
  }
  throw new Error("snappy block has a malformed length header");
}

function decodeAt(
  type: avro.Type,
  buffer: Buffer,
  position: number,
  file: string,
  what: string,
): { value: unknown; offset: number } {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(buffer, position);
  } catch (error) {
    throw new CorruptArchiveError(
      file,
      `has an unreadable Avro ${what} at byte ${position} (${(error as Error).message})`,
    );
  }
  if (decoded.offset < 0)
    throw new CorruptArchiveError(file, `is truncated inside an Avro ${what} at byte ${position}`);
  return decoded;
}
