// Iceberg's JSON single-value serialization (spec Appendix C), which `initial-default` and
// `write-default` use, to the in-memory representation of values.ts. Struct, list and map defaults
// are JSON objects and arrays of these.
import { parseIsoDate, parseIsoDateTime, parseIsoTime } from "./civil-time.ts";
import { CorruptArchiveError } from "./errors.ts";
import { parsePrimitive, type PrimitiveType } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import { formatDecimal } from "./values.ts";

/** `json` as a value of `type`; CorruptArchiveError naming `where` (file and field) when it is not one. */
export function parseJsonSingleValue(type: PrimitiveType, json: unknown, where: string): IcebergValue {
  if (json === null || json === undefined) return null;
  const parsed = parsePrimitive(type);
  const text = typeof json === "string" ? json : undefined;
  let value: IcebergValue | undefined;
  switch (parsed.kind) {
    case "boolean":
      value = typeof json === "boolean" ? json : undefined;
      break;
    case "int":
      value = typeof json === "number" && Number.isInteger(json) ? json : undefined;
      break;
    case "long":
      value = typeof json === "bigint" || (typeof json === "number" && Number.isInteger(json)) ? BigInt(json) : undefined;
      break;
    case "float":
    case "double":
      value = typeof json === "number" ? json : text === "NaN" || text === "Infinity" || text === "-Infinity" ? Number(text) : undefined;
      break;
    case "date":
      value = text === undefined ? undefined : parseIsoDate(text);
      break;
    case "time":
      value = text === undefined ? undefined : parseIsoTime(text);
      break;
    case "timestamp":
    case "timestamptz":
    case "timestamp_ns":
    case "timestamptz_ns": {
      const digits = parsed.kind.endsWith("_ns") ? 9 : 6;
      value = text === undefined ? undefined : parseIsoDateTime(text, digits, parsed.kind.startsWith("timestamptz"));
      break;
    }
    case "string":
      value = text;
      break;
    case "uuid":
      value = text !== undefined && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text) ? text.toLowerCase() : undefined;
      break;
    case "fixed":
    case "binary":
      value = text !== undefined && /^([0-9a-f]{2})*$/i.test(text) ? Uint8Array.from(Buffer.from(text, "hex")) : undefined;
      if (parsed.kind === "fixed" && value instanceof Uint8Array && value.length !== parsed.length) value = undefined;
      break;
    case "decimal": {
      const match = text === undefined ? null : /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
      value = match && (match[3] ?? "").length === parsed.scale ? formatDecimal(BigInt(`${match[1]}${match[2]}${match[3] ?? ""}`), parsed.scale) : undefined;
      break;
    }
  }
  if (value === undefined) {
    const shown = typeof json === "bigint" ? String(json) : JSON.stringify(json);
    throw new CorruptArchiveError(where, `${shown} is not a ${type} value in Iceberg's JSON encoding (spec Appendix C)`);
  }
  return value;
}
