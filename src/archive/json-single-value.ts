// Iceberg's JSON single-value serialization (spec Appendix C), which `initial-default` and
// `write-default` use, to the in-memory representation of values.ts. Struct, list and map defaults
// are JSON objects and arrays of these.
import { parseIsoDate, parseIsoDateTime, parseIsoTime } from "./civil-time.ts";
import { CorruptArchiveError } from "./errors.ts";
import { isPrimitive, parsePrimitive, type IcebergType, type PrimitiveType } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import { formatDecimal, type ArchiveValue } from "./values.ts";

/**
 * `json` as a value of any Iceberg type: primitives as parseJsonSingleValue; a struct as an object
 * keyed by field id (as text), a list as an array, a map as `{"keys": [...], "values": [...]}`
 * (spec Appendix C). Struct fields absent from the JSON take their own initial default, else null.
 */
export function parseJsonValue(type: IcebergType, json: unknown, where: string): ArchiveValue {
  if (json === null || json === undefined) return null;
  if (isPrimitive(type)) return parseJsonSingleValue(type, json, where);
  const notA = (shape: string) =>
    new CorruptArchiveError(
      where,
      `${JSON.stringify(json)} is not a ${type.type} value in Iceberg's JSON encoding (${shape}, spec Appendix C)`,
    );
  switch (type.type) {
    case "struct": {
      if (typeof json !== "object" || Array.isArray(json)) throw notA("an object keyed by field id");
      const record = json as Record<string, unknown>;
      const struct: Record<string, ArchiveValue> = {};
      for (const field of type.fields) {
        struct[field.name] = parseJsonValue(field.type, record[String(field.id)] ?? field["initial-default"], where);
      }
      return struct;
    }
    case "list":
      if (!Array.isArray(json)) throw notA("an array");
      return json.map((element) => parseJsonValue(type.element, element, where));
    case "map": {
      const { keys, values } = json as { keys?: unknown; values?: unknown };
      if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length)
        throw notA('{"keys": [...], "values": [...]}');
      return new Map(
        keys.map((key, index) => [
          parseJsonValue(type.key, key, where) as IcebergValue,
          parseJsonValue(type.value, values[index], where),
        ]),
      );
    }
  }
}

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
      value =
        typeof json === "bigint" || (typeof json === "number" && Number.isInteger(json)) ? BigInt(json) : undefined;
      break;
    case "float":
    case "double":
      value =
        typeof json === "number"
          ? json
          : text === "NaN" || text === "Infinity" || text === "-Infinity"
            ? Number(text)
            : undefined;
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
      value =
        text !== undefined && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text)
          ? text.toLowerCase()
          : undefined;
      break;
    case "fixed":
    case "binary":
      value =
        text !== undefined && /^([0-9a-f]{2})*$/i.test(text) ? Uint8Array.from(Buffer.from(text, "hex")) : undefined;
      if (parsed.kind === "fixed" && value instanceof Uint8Array && value.length !== parsed.length) value = undefined;
      break;
    case "decimal": {
      const match = text === undefined ? null : /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
      value =
        match && (match[3] ?? "").length === parsed.scale
          ? formatDecimal(BigInt(`${match[1]}${match[2]}${match[3] ?? ""}`), parsed.scale)
          : undefined;
      break;
    }
  }
  if (value === undefined) {
    const shown = typeof json === "bigint" ? String(json) : JSON.stringify(json);
    throw new CorruptArchiveError(
      where,
      `${shown} is not a ${type} value in Iceberg's JSON encoding (spec Appendix C)`,
    );
  }
  return value;
}
