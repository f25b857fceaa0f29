// Per-column metrics of a data file, as Iceberg manifests carry them: value, null and NaN counts
// and lower/upper bounds in the binary single-value form. Computed from the Arrow batches being
// written, so the bounds are exact (or truncated the Iceberg way), never taken on trust. Metrics are
// per primitive field, as Iceberg keeps them: a struct's fields each have theirs; a map's key and
// value have counts only (their bounds would mix every key's values).
import type * as arrow from "apache-arrow";
import type { IcebergSchema, NestedField, PrimitiveType } from "../schema.ts";
import { encodeSingleValue } from "../single-value.ts";
import { writableColumn, type WritableColumn } from "./arrow-schema.ts";

/** Iceberg's default metrics mode, `truncate(16)`: string and binary bounds keep 16 characters/bytes. */
export const BOUND_TRUNCATE_LENGTH = 16;

export interface ColumnMetrics {
  valueCounts: Map<number, number>;
  nullValueCounts: Map<number, number>;
  /** Only for float and double columns. */
  nanValueCounts: Map<number, number>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

type Comparable = number | bigint | boolean | Uint8Array;

type PrimitiveKind = Exclude<WritableColumn["kind"], "struct" | "map">;

interface FieldAccumulator {
  field: NestedField;
  type: PrimitiveKind;
  /** Child indexes from the top-level column's Arrow data down to this field's. */
  path: number[];
  /** False for a map's key and value: counts only. */
  bounded: boolean;
  values: number;
  nulls: number;
  nans: number;
  min: Comparable | undefined;
  max: Comparable | undefined;
}

export class ColumnStatistics {
  private readonly accumulators: FieldAccumulator[];

  constructor(readonly schema: IcebergSchema) {
    this.accumulators = schema.fields.flatMap((field, column) => accumulatorsOf(field, [column], true));
  }

  /** Adds a batch whose columns are the schema's fields, in order. */
  add(batch: arrow.RecordBatch): void {
    for (const accumulator of this.accumulators) {
      const [column, ...path] = accumulator.path;
      for (const data of batch.getChildAt(column!)!.data) {
        addData(
          accumulator,
          path.reduce((parent, child) => parent.children[child]!, data),
        );
      }
    }
  }

  metrics(): ColumnMetrics {
    const metrics: ColumnMetrics = {
      valueCounts: new Map(),
      nullValueCounts: new Map(),
      nanValueCounts: new Map(),
      lowerBounds: new Map(),
      upperBounds: new Map(),
    };
    for (const { field, type, bounded, values, nulls, nans, min, max } of this.accumulators) {
      metrics.valueCounts.set(field.id, values);
      metrics.nullValueCounts.set(field.id, nulls);
      if (type === "float" || type === "double") metrics.nanValueCounts.set(field.id, nans);
      if (!bounded) continue;
      if (min !== undefined) metrics.lowerBounds.set(field.id, lowerBound(field, type, min));
      const upper = max === undefined ? undefined : upperBound(field, type, max);
      if (upper !== undefined) metrics.upperBounds.set(field.id, upper);
    }
    return metrics;
  }
}

/** One accumulator per primitive field under `field`; `path` leads to its Arrow data. */
function accumulatorsOf(field: NestedField, path: number[], bounded: boolean): FieldAccumulator[] {
  const column = writableColumn(field);
  if (column.kind === "struct") {
    return column.fields.flatMap((member, index) => accumulatorsOf(member, [...path, index], bounded));
  }
  if (column.kind === "map") {
    // A map's data has one child, its entries, whose children are the keys and the values.
    const key: NestedField = { id: column.keyId, name: `${field.name}.key`, required: true, type: "string" };
    const value: NestedField = {
      id: column.valueId,
      name: `${field.name}.value`,
      required: column.valueRequired,
      type: "string",
    };
    return [...accumulatorsOf(key, [...path, 0, 0], false), ...accumulatorsOf(value, [...path, 0, 1], false)];
  }
  return [{ field, type: column.kind, path, bounded, values: 0, nulls: 0, nans: 0, min: undefined, max: undefined }];
}

function addData(accumulator: FieldAccumulator, data: arrow.Data): void {
  const { length, offset, nullBitmap } = data;
  const isValid =
    data.nullCount > 0 && nullBitmap
      ? (index: number) => ((nullBitmap[(offset + index) >> 3]! >> ((offset + index) & 7)) & 1) === 1
      : () => true;
  accumulator.values += length;
  accumulator.nulls += data.nullCount;
  if (!accumulator.bounded) return;
  switch (accumulator.type) {
    case "string":
    case "binary": {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      for (let index = 0; index < length; index++) {
        if (!isValid(index)) continue;
        const start = offsets[offset + index]!;
        const end = offsets[offset + index + 1]!;
        const min = accumulator.min as Uint8Array | undefined;
        const max = accumulator.max as Uint8Array | undefined;
        if (!min || compareBytes(bytes, start, end, min) < 0) accumulator.min = bytes.slice(start, end);
        if (!max || compareBytes(bytes, start, end, max) > 0) accumulator.max = bytes.slice(start, end);
      }
      return;
    }
    case "uuid":
    case "fixed": {
      // uuid and fixed order as unsigned bytes, like binary.
      const width = (data.type as arrow.FixedSizeBinary).byteWidth;
      const bytes = data.values as Uint8Array;
      for (let index = 0; index < length; index++) {
        if (!isValid(index)) continue;
        const start = (offset + index) * width;
        const min = accumulator.min as Uint8Array | undefined;
        const max = accumulator.max as Uint8Array | undefined;
        if (!min || compareBytes(bytes, start, start + width, min) < 0)
          accumulator.min = bytes.slice(start, start + width);
        if (!max || compareBytes(bytes, start, start + width, max) > 0)
          accumulator.max = bytes.slice(start, start + width);
      }
      return;
    }
    case "decimal": {
      const words = data.values as Uint32Array;
      const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
      for (let index = 0; index < length; index++) {
        if (!isValid(index)) continue;
        const at = (offset + index) * 16;
        const value = (view.getBigInt64(at + 8, true) << 64n) | view.getBigUint64(at, true);
        if (accumulator.min === undefined || value < (accumulator.min as bigint)) accumulator.min = value;
        if (accumulator.max === undefined || value > (accumulator.max as bigint)) accumulator.max = value;
      }
      return;
    }
    case "boolean": {
      for (let index = 0; index < length; index++) {
        if (!isValid(index)) continue;
        const value = ((data.values[(offset + index) >> 3] >> ((offset + index) & 7)) & 1) === 1;
        if (accumulator.min === undefined || (!value && accumulator.min === true)) accumulator.min = value;
        if (accumulator.max === undefined || (value && accumulator.max === false)) accumulator.max = value;
      }
      return;
    }
    default: {
      const values = data.values as ArrayLike<number | bigint>;
      const floating = accumulator.type === "float" || accumulator.type === "double";
      let min = accumulator.min as number | bigint | undefined;
      let max = accumulator.max as number | bigint | undefined;
      for (let index = 0; index < length; index++) {
        if (!isValid(index)) continue;
        const value = values[offset + index]!;
        if (floating && Number.isNaN(value)) {
          accumulator.nans++;
          continue;
        }
        if (min === undefined || value < min) min = value;
        if (max === undefined || value > max) max = value;
      }
      accumulator.min = min;
      accumulator.max = max;
    }
  }
}

/** Unsigned lexicographic order of `bytes[start, end)` against `other`: Iceberg's order for strings (as UTF-8) and binary. */
function compareBytes(bytes: Uint8Array, start: number, end: number, other: Uint8Array): number {
  const length = Math.min(end - start, other.length);
  for (let index = 0; index < length; index++) {
    const difference = bytes[start + index]! - other[index]!;
    if (difference !== 0) return difference;
  }
  return end - start - other.length;
}

function lowerBound(field: NestedField, type: PrimitiveKind, value: Comparable): Uint8Array {
  if (type === "string") return utf8Prefix(value as Uint8Array, BOUND_TRUNCATE_LENGTH);
  if (type === "binary") return (value as Uint8Array).slice(0, BOUND_TRUNCATE_LENGTH);
  return exactBound(field, value);
}

/** A truncated upper bound must still be >= every value, so its last kept character is incremented; undefined when no such bound exists. */
function upperBound(field: NestedField, type: PrimitiveKind, value: Comparable): Uint8Array | undefined {
  if (type === "string") return truncatedStringUpperBound(value as Uint8Array);
  if (type === "binary") return truncatedBinaryUpperBound(value as Uint8Array);
  return exactBound(field, value);
}

function exactBound(field: NestedField, value: Comparable): Uint8Array {
  return encodeSingleValue(field.type as PrimitiveType, value as number | bigint | boolean | Uint8Array);
}

function utf8Prefix(bytes: Uint8Array, codePoints: number): Uint8Array {
  let end = 0;
  for (let kept = 0; kept < codePoints && end < bytes.length; kept++) end += utf8SequenceLength(bytes[end]!);
  return bytes.slice(0, end);
}

function utf8SequenceLength(leadByte: number): number {
  if (leadByte < 0x80) return 1;
  if (leadByte < 0xe0) return 2;
  if (leadByte < 0xf0) return 3;
  return 4;
}

const MAX_CODE_POINT = 0x10ffff;

function truncatedStringUpperBound(bytes: Uint8Array): Uint8Array | undefined {
  const prefix = utf8Prefix(bytes, BOUND_TRUNCATE_LENGTH);
  if (prefix.length === bytes.length) return prefix;
  const codePoints = Array.from(new TextDecoder().decode(prefix), (character) => character.codePointAt(0)!);
  while (codePoints.length > 0) {
    let next = codePoints.pop()! + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    if (next <= MAX_CODE_POINT) return new TextEncoder().encode(String.fromCodePoint(...codePoints, next));
  }
  return undefined;
}

function truncatedBinaryUpperBound(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length <= BOUND_TRUNCATE_LENGTH) return bytes.slice();
  const prefix = bytes.slice(0, BOUND_TRUNCATE_LENGTH);
  for (let index = prefix.length - 1; index >= 0; index--) {
    if (prefix[index]! < 0xff) {
      prefix[index]!++;
      return prefix.slice(0, index + 1);
    }
  }
  return undefined;
}
