// Iceberg's binary single-value serialization (spec Appendix D), used by manifest column bounds and
// partition summaries. Decoded values use the same JS representation as decoded rows.
import { parsePrimitive, type PrimitiveType } from "./schema.ts";

export type IcebergValue = boolean | number | bigint | string | Uint8Array | null;

export function decodeSingleValue(type: PrimitiveType, bytes: Uint8Array): IcebergValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parsed = parsePrimitive(type);
  switch (parsed.kind) {
    case "boolean":
      return bytes[0] !== 0;
    case "int":
    case "date":
      return view.getInt32(0, true);
    case "long":
    case "time":
    case "timestamp":
    case "timestamptz":
    case "timestamp_ns":
    case "timestamptz_ns":
      // Older writers stored int bounds promoted to long in 4 bytes.
      return bytes.length === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
    case "float":
      return bytes.length === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    case "double":
      return bytes.length === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    case "string":
      return new TextDecoder().decode(bytes);
    case "decimal":
      return bigEndianTwosComplement(bytes);
    case "uuid":
    case "fixed":
    case "binary":
      return bytes;
  }
}

export function encodeSingleValue(type: PrimitiveType, value: IcebergValue): Uint8Array {
  const parsed = parsePrimitive(type);
  switch (parsed.kind) {
    case "boolean":
      return Uint8Array.of(value ? 1 : 0);
    case "int":
    case "date": {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setInt32(0, Number(value), true);
      return bytes;
    }
    case "long":
    case "time":
    case "timestamp":
    case "timestamptz":
    case "timestamp_ns":
    case "timestamptz_ns": {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigInt64(0, BigInt(value as number | bigint), true);
      return bytes;
    }
    case "float": {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setFloat32(0, Number(value), true);
      return bytes;
    }
    case "double": {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, Number(value), true);
      return bytes;
    }
    case "string":
      return new TextEncoder().encode(String(value));
    case "decimal":
      return toBigEndianTwosComplement(BigInt(value as bigint));
    case "uuid":
    case "fixed":
    case "binary":
      return value as Uint8Array;
  }
}

/** Unscaled decimal from big-endian two's-complement bytes. */
export function bigEndianTwosComplement(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const negative = (bytes[0]! & 0x80) !== 0;
  return negative ? value - (1n << BigInt(bytes.length * 8)) : value;
}

function toBigEndianTwosComplement(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (!(rest === 0n && (bytes[0]! & 0x80) === 0) && !(rest === -1n && (bytes[0]! & 0x80) !== 0));
  return Uint8Array.from(bytes);
}
