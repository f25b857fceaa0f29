// Avro object container files (Iceberg manifest lists and manifests), decoded with avsc. Longs are
// read as BigInt: snapshot ids exceed 2^53.
import avro from "avsc";
import { inflateRawSync } from "node:zlib";
import { snappyUncompress } from "hyparquet";
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "./errors.ts";

/** avro `long` as BigInt on read; accepts number or BigInt on write. */
export const longAsBigInt = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint | number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === "bigint" || Number.isInteger(value),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

export interface AvroContainer<T> {
  /** File metadata (`avro.schema`, and Iceberg's `format-version`, `partition-spec`, `content`…), as strings. */
  metadata: Record<string, string>;
  records: T[];
}

const MAGIC = Buffer.from("Obj\x01", "latin1");

/** Decodes a whole Avro container held in memory; `file` names it in errors. */
export function readAvroContainer<T>(bytes: Uint8Array, file: string): Promise<AvroContainer<T>> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 4 || !buffer.subarray(0, 4).equals(MAGIC)) {
    return Promise.reject(new CorruptArchiveError(file, "is not an Avro file (bad magic bytes)"));
  }
  return new Promise((resolve, reject) => {
    const records: T[] = [];
    let metadata: Record<string, string> = {};
    const decoder = new avro.streams.BlockDecoder({
      codecs: { null: passThrough, deflate: inflateRawCallback, snappy: snappyCallback },
      parseHook: (schema) => avro.Type.forSchema(schema, { registry: { long: longAsBigInt } }),
    });
    decoder.on("metadata", (_type: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([key, value]) => [key, value.toString("utf8")]));
    });
    decoder.on("data", (record: T) => records.push(record));
    decoder.on("error", (error: Error) => reject(avroError(file, error)));
    decoder.on("end", () => {
      // avsc ends quietly when input stops mid-block; bytes left unread mean the file was cut short.
      const tap = (decoder as unknown as { _tap: { buf: Buffer; pos: number } })._tap;
      const unread = tap.buf.length - tap.pos;
      if (Object.keys(metadata).length === 0 || unread > 0) {
        reject(new CorruptArchiveError(file, `is not a readable Avro file (truncated: ${unread} bytes of an incomplete block or header)`));
      } else {
        resolve({ metadata, records });
      }
    });
    decoder.end(buffer);
  });
}

function avroError(file: string, error: Error): Error {
  if (/unknown codec/.test(error.message)) return new UnsupportedArchiveFeatureError(file, `Avro ${error.message}`);
  return new CorruptArchiveError(file, `is not a readable Avro file (${error.message})`, { cause: error });
}

type Callback = (error: Error | null, result?: Buffer) => void;

function passThrough(buffer: Buffer, callback: Callback): void {
  callback(null, buffer);
}

function inflateRawCallback(buffer: Buffer, callback: Callback): void {
  try {
    callback(null, inflateRawSync(buffer));
  } catch (error) {
    callback(error as Error);
  }
}

/** Avro's snappy codec: a raw snappy block followed by a 4-byte CRC32 of the uncompressed data. */
function snappyCallback(buffer: Buffer, callback: Callback): void {
  try {
    const compressed = buffer.subarray(0, buffer.length - 4);
    const output = new Uint8Array(snappyUncompressedLength(compressed));
    snappyUncompress(compressed, output);
    callback(null, Buffer.from(output.buffer, output.byteOffset, output.byteLength));
  } catch (error) {
    callback(error as Error);
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
