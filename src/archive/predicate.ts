// Row predicates (a conjunction of per-column conditions) and the three places they prune: ranges
// of values known from partitions, file bounds or row-group statistics, and single rows. A
// condition may test the value under a key of a map column or a field of a struct column: a
// struct's field has statistics of its own (by its field id), a map key has none, so a condition on
// it only filters rows.
import { ArchiveError } from "./errors.ts";
import {
  fieldByName,
  isPrimitive,
  parsePrimitive,
  typeText,
  type IcebergSchema,
  type NestedField,
  type PrimitiveType,
} from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import { primitiveValue, valueAtKey, type ArchiveValue } from "./values.ts";

export type ColumnCondition =
  | { column: string; key?: string; op: "in"; values: IcebergValue[] }
  | {
      column: string;
      /** A map key or struct field inside the column: the condition tests the value there (null when absent). */
      key?: string;
      op: "range";
      min?: IcebergValue;
      minInclusive?: boolean;
      max?: IcebergValue;
      maxInclusive?: boolean;
    };

/** All conditions must hold. */
export type RowPredicate = ColumnCondition[];

export type ValueComparator = (a: IcebergValue, b: IcebergValue) => number;

/** A condition on a field whose statistics (partition values, file bounds, row-group min/max) bound the tested values. */
export interface BoundCondition {
  field: NestedField;
  type: PrimitiveType;
  condition: ColumnCondition;
  /** Orders values of this column (decimals numerically, not as text). */
  compare: ValueComparator;
}

/** A condition as a scan tests it on each row. */
export interface RowCondition {
  /** The top-level column the scan reads for it. */
  column: NestedField;
  /** The type of the tested value. */
  type: PrimitiveType;
  condition: ColumnCondition;
  compare: ValueComparator;
  /** The tested value of a row, from the column's value: the value itself, or the one under the condition's key. */
  valueOf: (value: ArchiveValue | undefined) => IcebergValue;
  /** The field whose statistics bound the tested values: the column, a struct's field; none for a map key. */
  statisticsField: NestedField | undefined;
}

/**
 * Checks each condition's column exists and the tested value is primitive (the column's own, a struct
 * field's or a map value's), and coerces values to its representation.
 */
export function bindPredicate(schema: IcebergSchema, predicate: RowPredicate): RowCondition[] {
  return predicate.map((condition) => {
    const field = fieldByName(schema, condition.column);
    if (!field) {
      throw new ArchiveError(
        undefined,
        `filter on unknown column "${condition.column}"; the table has ${schema.fields.map((f) => `"${f.name}"`).join(", ")}`,
      );
    }
    const { type, statisticsField, valueOf } = testedValue(field, condition.key);
    const shown = condition.key === undefined ? field.name : `${field.name}.${condition.key}`;
    const coerce = (value: IcebergValue | undefined) =>
      value === undefined ? undefined : coerceValue(value, type, shown);
    const bound: ColumnCondition =
      condition.op === "in"
        ? { ...condition, values: condition.values.map((value) => coerce(value)!) }
        : { ...condition, min: coerce(condition.min), max: coerce(condition.max) };
    return { column: field, type, condition: bound, compare: comparatorFor(type), valueOf, statisticsField };
  });
}

/** The conditions whose values statistics bound, as the planner prunes with them. */
export function statisticsConditions(conditions: readonly RowCondition[]): BoundCondition[] {
  return conditions.flatMap(({ statisticsField, type, condition, compare }) =>
    statisticsField ? [{ field: statisticsField, type, condition, compare }] : [],
  );
}

/** What a condition on `field` (under `key`, if any) tests, and which statistics bound it. */
function testedValue(
  field: NestedField,
  key: string | undefined,
): Pick<RowCondition, "type" | "statisticsField" | "valueOf"> {
  const type = field.type;
  if (key === undefined) {
    if (!isPrimitive(type)) {
      throw new ArchiveError(
        undefined,
        `cannot filter on nested column "${field.name}" (${typeText(type)}) itself: name a map key or struct field inside it`,
      );
    }
    return { type, statisticsField: field, valueOf: primitiveValue };
  }
  const valueOf = (value: ArchiveValue | undefined) => primitiveValue(valueAtKey(value, key));
  if (!isPrimitive(type) && type.type === "struct") {
    const member = type.fields.find((candidate) => candidate.name === key);
    if (!member) {
      throw new ArchiveError(
        undefined,
        `filter on "${field.name}.${key}": struct column "${field.name}" has no field "${key}"; its fields are ${type.fields.map((f) => `"${f.name}"`).join(", ")}`,
      );
    }
    if (!isPrimitive(member.type)) {
      throw new ArchiveError(
        undefined,
        `cannot filter on nested field "${field.name}.${key}" (${typeText(member.type)})`,
      );
    }
    return { type: member.type, statisticsField: member, valueOf };
  }
  if (!isPrimitive(type) && type.type === "map" && type.key === "string" && isPrimitive(type.value)) {
    return { type: type.value, statisticsField: undefined, valueOf };
  }
  throw new ArchiveError(
    undefined,
    `filter on "${field.name}.${key}": column "${field.name}" is ${typeText(type)}; a key is looked up in a map with string keys and primitive values or a struct`,
  );
}

function coerceValue(value: IcebergValue, type: PrimitiveType, column: string): IcebergValue {
  if (value === null) return null;
  const kind = parsePrimitive(type).kind;
  const fail = () => {
    throw new ArchiveError(undefined, `filter value ${String(value)} does not fit column "${column}" of type ${type}`);
  };
  switch (kind) {
    case "long":
    case "time":
    case "timestamp":
    case "timestamptz":
    case "timestamp_ns":
    case "timestamptz_ns":
      if (typeof value === "bigint") return value;
      if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
      if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
      return fail();
    case "int":
    case "date":
    case "float":
    case "double":
      if (typeof value === "number") return value;
      if (
        typeof value === "bigint" ||
        (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
      ) {
        return Number(value);
      }
      return fail();
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return fail();
    default:
      return typeof value === "string" || value instanceof Uint8Array ? value : String(value);
  }
}

const utf8 = new TextEncoder();

export function comparatorFor(type: PrimitiveType): ValueComparator {
  const parsed = parsePrimitive(type);
  if (parsed.kind !== "decimal") return compareValues;
  return (a, b) => compareValues(scaledDecimal(a, parsed.scale), scaledDecimal(b, parsed.scale));
}

/** A decimal's text ("-5.00", "12", "0.5") as an integer count of 10^-scale units. */
function scaledDecimal(value: IcebergValue, scale: number): bigint {
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) throw new ArchiveError(undefined, `"${text}" is not a decimal number`);
  const fraction = (match[3] ?? "").padEnd(scale, "0");
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) {
    throw new ArchiveError(undefined, `decimal ${text} has more than the column's ${scale} fractional digits`);
  }
  const magnitude = BigInt(`${match[2] || "0"}${fraction.slice(0, scale)}`);
  return match[1] === "-" ? -magnitude : magnitude;
}

/** Orders two non-null values of one column; strings by UTF-8 bytes, as Iceberg and Parquet do. */
export function compareValues(a: IcebergValue, b: IcebergValue): number {
  if (typeof a === "string" && typeof b === "string") {
    return a === b ? 0 : Buffer.compare(utf8.encode(a), utf8.encode(b));
  }
  if (typeof a === "bigint" || typeof b === "bigint") {
    const left = toBigInt(a);
    const right = toBigInt(b);
    if (left !== undefined && right !== undefined) return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
}

function toBigInt(value: IcebergValue): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/** Whether some value within [lower, upper] (either may be unknown) can satisfy the condition. */
export function rangeMayMatch(
  condition: ColumnCondition,
  lower: IcebergValue | undefined,
  upper: IcebergValue | undefined,
  compare: ValueComparator = compareValues,
): boolean {
  const withinBounds = (value: IcebergValue) =>
    (lower === undefined || lower === null || compare(value, lower) >= 0) &&
    (upper === undefined || upper === null || compare(value, upper) <= 0);
  if (condition.op === "in") return condition.values.some((value) => value !== null && withinBounds(value));
  const { min, max, minInclusive = true, maxInclusive = true } = condition;
  // Every value in the range is >= lower and <= upper: the condition's max must reach lower, its min must reach upper.
  if (max !== undefined && max !== null && lower !== undefined && lower !== null) {
    if (maxInclusive ? compare(max, lower) < 0 : compare(max, lower) <= 0) return false;
  }
  if (min !== undefined && min !== null && upper !== undefined && upper !== null) {
    if (minInclusive ? compare(min, upper) > 0 : compare(min, upper) >= 0) return false;
  }
  return true;
}

/** Whether one row's value satisfies the condition (null satisfies nothing). */
export function valueMatches(
  condition: ColumnCondition,
  value: IcebergValue,
  compare: ValueComparator = compareValues,
): boolean {
  if (value === null || value === undefined) return false;
  if (condition.op === "in")
    return condition.values.some((candidate) => candidate !== null && compare(value, candidate) === 0);
  const { min, max, minInclusive = true, maxInclusive = true } = condition;
  if (min !== undefined && min !== null) {
    const order = compare(value, min);
    if (minInclusive ? order < 0 : order <= 0) return false;
  }
  if (max !== undefined && max !== null) {
    const order = compare(value, max);
    if (maxInclusive ? order > 0 : order >= 0) return false;
  }
  return true;
}
