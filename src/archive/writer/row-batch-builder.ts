// Turns plain row objects into Arrow record batches column by column, straight into typed arrays
// and UTF-8 buffers: no intermediate per-value objects, so millions of rows cost little heap.
import * as arrow from "apache-arrow";
import { ArchiveError } from "../errors.ts";
import { typeText, type IcebergSchema, type NestedField, type StructType } from "../schema.ts";
import { valueAtKey, type ArchiveValue } from "../values.ts";
import { arrowSchemaFor, writableColumn } from "./arrow-schema.ts";
import { uuidBytes } from "./writer-ids.ts";

/**
 * Rows per Arrow batch handed to the Parquet writer. Each batch is copied twice on its way into
 * WASM and then dropped, so smaller batches leave less garbage: 8k rows peaked ~8 MB lower than
 * 16k for 10M demo events at the same speed; 4k was slower for no further gain.
 */
export const DEFAULT_ROWS_PER_BATCH = 8_192;

type FixedWidthArray = Int32Array | BigInt64Array | Float32Array | Float64Array;

interface ColumnBuilder {
  /** Appends `value` (null/undefined for a missing value) at row `index`. */
  set(index: number, value: unknown): void;
  finish(length: number): arrow.Data;
}

export class RowBatchBuilder<Row extends object> {
  readonly arrowSchema: arrow.Schema;
  private columns: ColumnBuilder[] = [];
  private rows = 0;
  private failure: unknown;

  constructor(
    readonly schema: IcebergSchema,
    readonly capacity: number = DEFAULT_ROWS_PER_BATCH,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`batch capacity must be a positive integer, got ${capacity}`);
    this.arrowSchema = arrowSchemaFor(schema);
    this.reset();
  }

  get length(): number {
    return this.rows;
  }

  get isFull(): boolean {
    return this.rows === this.capacity;
  }

  /** Adds one row; properties are read by column name, absent ones are null. A refused row leaves the builder unusable. */
  append(row: Row): void {
    this.checkUsable();
    if (this.isFull) throw new RangeError(`the batch already holds its ${this.capacity} rows; build it first`);
    const values = row as Record<string, unknown>;
    const fields = this.schema.fields;
    try {
      for (let column = 0; column < fields.length; column++) {
        this.columns[column]!.set(this.rows, values[fields[column]!.name]);
      }
    } catch (error) {
      // Earlier columns already hold part of the refused row.
      this.failure = error;
      throw error;
    }
    this.rows++;
  }

  /** The rows appended since the last build, as one record batch; the builder starts empty again. */
  build(): arrow.RecordBatch {
    this.checkUsable();
    const length = this.rows;
    const children = this.columns.map((column) => column.finish(length));
    this.reset(children);
    const struct = arrow.makeData({
      type: new arrow.Struct(this.arrowSchema.fields),
      length,
      nullCount: 0,
      children,
    });
    return new arrow.RecordBatch(this.arrowSchema, struct);
  }

  private checkUsable(): void {
    if (this.failure !== undefined) {
      throw new ArchiveError(
        undefined,
        `this batch builder refused a row earlier (${(this.failure as Error).message}); start a new one`,
      );
    }
  }

  /** Fresh columns; string columns start at the size the previous batch needed, so they rarely regrow. */
  private reset(previous?: arrow.Data[]): void {
    this.rows = 0;
    this.columns = this.schema.fields.map((field, column) =>
      columnBuilderFor(field, this.arrowSchema.fields[column]!.type, this.capacity, previous?.[column]),
    );
  }
}

/** Rows as Arrow record batches of at most `rowsPerBatch` rows each. */
export function* rowBatches<Row extends object>(
  rows: Iterable<Row>,
  schema: IcebergSchema,
  rowsPerBatch: number = DEFAULT_ROWS_PER_BATCH,
): Generator<arrow.RecordBatch> {
  const builder = new RowBatchBuilder<Row>(schema, rowsPerBatch);
  for (const row of rows) {
    builder.append(row);
    if (builder.isFull) yield builder.build();
  }
  if (builder.length > 0) yield builder.build();
}

/** A column's builder; `previous` (the column's last batch) sizes string buffers so they rarely regrow. */
function columnBuilderFor(
  field: NestedField,
  arrowType: arrow.DataType,
  capacity: number,
  previous?: arrow.Data,
): ColumnBuilder {
  const column = writableColumn(field);
  const expectedBytes = previous?.values?.byteLength ?? 0;
  switch (column.kind) {
    case "int":
    case "date":
      return new FixedWidthColumn(field, arrowType, new Int32Array(capacity), toInt32);
    case "long":
    case "time":
    case "timestamp":
    case "timestamptz":
    case "timestamp_ns":
    case "timestamptz_ns":
      return new FixedWidthColumn(field, arrowType, new BigInt64Array(capacity), toInt64);
    case "float":
      return new FixedWidthColumn(field, arrowType, new Float32Array(capacity), toFloat);
    case "double":
      return new FixedWidthColumn(field, arrowType, new Float64Array(capacity), toFloat);
    case "boolean":
      return new BooleanColumn(field, capacity);
    case "string":
    case "binary":
      return new VariableWidthColumn(field, column.kind, arrowType, capacity, expectedBytes);
    case "uuid":
      return new FixedBytesColumn(field, arrowType, capacity, 16, toUuidBytes);
    case "fixed":
      return new FixedBytesColumn(field, arrowType, capacity, column.length, (value) =>
        value instanceof Uint8Array && value.length === column.length ? value : undefined,
      );
    case "decimal":
      return new FixedBytesColumn(field, arrowType, capacity, DECIMAL128_BYTES, (value) =>
        toDecimal128(value, column.precision, column.scale),
      );
    case "struct":
      return new StructColumn(field, arrowType as arrow.Struct, capacity, previous);
    case "map":
      return new StringMapColumn(field, arrowType, capacity);
  }
}

interface ValidityProps {
  nullCount: number;
  nullBitmap?: Uint8Array;
}

function columnData(
  type: arrow.DataType,
  length: number,
  validity: ValidityProps,
  values: Uint8Array | Uint32Array | FixedWidthArray,
  valueOffsets?: Int32Array,
): arrow.Data {
  return new arrow.Data(type, 0, length, validity.nullCount, {
    [arrow.BufferType.OFFSET]: valueOffsets,
    [arrow.BufferType.DATA]: values,
    [arrow.BufferType.VALIDITY]: validity.nullBitmap,
  });
}

/** Tracks which rows are null; the bitmap is only materialised once a null shows up. */
class Validity {
  private bitmap: Uint8Array | undefined;
  nullCount = 0;

  constructor(
    private readonly field: NestedField,
    private readonly capacity: number,
  ) {}

  /** True when the value is missing (and recorded as null). */
  isNull(index: number, value: unknown): boolean {
    if (value !== null && value !== undefined) return false;
    if (this.field.required) {
      throw new ArchiveError(
        undefined,
        `column "${this.field.name}" is required but row ${index} of the batch has no value`,
      );
    }
    if (!this.bitmap) this.bitmap = new Uint8Array(Math.ceil(this.capacity / 8)).fill(0xff);
    this.bitmap[index >> 3]! &= ~(1 << (index & 7));
    this.nullCount++;
    return true;
  }

  props(length: number): ValidityProps {
    return this.bitmap
      ? { nullCount: this.nullCount, nullBitmap: this.bitmap.subarray(0, Math.ceil(length / 8)) }
      : { nullCount: 0 };
  }
}

class FixedWidthColumn<Values extends FixedWidthArray> implements ColumnBuilder {
  private readonly validity: Validity;

  constructor(
    private readonly field: NestedField,
    private readonly arrowType: arrow.DataType,
    private readonly values: Values,
    private readonly convert: (value: unknown) => Values[number] | undefined,
  ) {
    this.validity = new Validity(field, values.length);
  }

  set(index: number, value: unknown): void {
    if (this.validity.isNull(index, value)) return;
    const converted = this.convert(value);
    if (converted === undefined) throw invalidValue(this.field, index, value);
    this.values[index] = converted;
  }

  finish(length: number): arrow.Data {
    return columnData(this.arrowType, length, this.validity.props(length), this.values.subarray(0, length));
  }
}

class BooleanColumn implements ColumnBuilder {
  private readonly validity: Validity;
  private readonly bits: Uint8Array;

  constructor(
    private readonly field: NestedField,
    capacity: number,
  ) {
    this.validity = new Validity(field, capacity);
    this.bits = new Uint8Array(Math.ceil(capacity / 8));
  }

  set(index: number, value: unknown): void {
    if (this.validity.isNull(index, value)) return;
    if (typeof value !== "boolean") throw invalidValue(this.field, index, value);
    if (value) this.bits[index >> 3]! |= 1 << (index & 7);
  }

  finish(length: number): arrow.Data {
    return columnData(
      new arrow.Bool(),
      length,
      this.validity.props(length),
      this.bits.subarray(0, Math.ceil(length / 8)),
    );
  }
}

const utf8Encoder = new TextEncoder();
const MIN_VALUE_BYTES = 64 * 1024;

class VariableWidthColumn implements ColumnBuilder {
  private readonly validity: Validity;
  private readonly offsets: Int32Array;
  private bytes: Uint8Array;
  private used = 0;

  constructor(
    private readonly field: NestedField,
    private readonly type: "string" | "binary",
    private readonly arrowType: arrow.DataType,
    capacity: number,
    expectedBytes: number,
  ) {
    this.validity = new Validity(field, capacity);
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(MIN_VALUE_BYTES, Math.ceil(expectedBytes * 1.125)));
  }

  set(index: number, value: unknown): void {
    if (!this.validity.isNull(index, value)) {
      if (this.type === "string") {
        if (typeof value !== "string") throw invalidValue(this.field, index, value);
        // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
        this.reserve(value.length * 3);
        this.used += utf8Encoder.encodeInto(value, this.bytes.subarray(this.used)).written;
      } else {
        if (!(value instanceof Uint8Array)) throw invalidValue(this.field, index, value);
        this.reserve(value.length);
        this.bytes.set(value, this.used);
        this.used += value.length;
      }
    }
    this.offsets[index + 1] = this.used;
  }

  finish(length: number): arrow.Data {
    return columnData(
      this.arrowType,
      length,
      this.validity.props(length),
      this.bytes.subarray(0, this.used),
      this.offsets.subarray(0, length + 1),
    );
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + extra));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }
}

/** Values of one width in one buffer (uuid, fixed[L], decimal as Arrow's 16-byte little-endian Decimal128). */
class FixedBytesColumn implements ColumnBuilder {
  private readonly validity: Validity;
  private readonly bytes: Uint8Array;

  constructor(
    private readonly field: NestedField,
    private readonly arrowType: arrow.DataType,
    capacity: number,
    private readonly width: number,
    private readonly convert: (value: unknown) => Uint8Array | undefined,
  ) {
    this.validity = new Validity(field, capacity);
    this.bytes = new Uint8Array(capacity * width);
  }

  set(index: number, value: unknown): void {
    if (this.validity.isNull(index, value)) return;
    const converted = this.convert(value);
    if (converted === undefined) throw invalidValue(this.field, index, value);
    this.bytes.set(converted, index * this.width);
  }

  finish(length: number): arrow.Data {
    const bytes = this.bytes.subarray(0, length * this.width);
    // Arrow's Decimal vectors hold their values as 32-bit words.
    const values = arrow.DataType.isDecimal(this.arrowType)
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
      : bytes;
    return columnData(this.arrowType, length, this.validity.props(length), values);
  }
}

/** A struct's value as a `Map` or an object keyed by field name (as the reader returns it); its fields are columns of their own. */
class StructColumn implements ColumnBuilder {
  private readonly validity: Validity;
  private readonly members: Array<{ name: string; builder: ColumnBuilder }>;

  constructor(
    private readonly field: NestedField,
    private readonly arrowType: arrow.Struct,
    capacity: number,
    previous: arrow.Data | undefined,
  ) {
    this.validity = new Validity(field, capacity);
    this.members = (field.type as StructType).fields.map((member, index) => ({
      name: member.name,
      builder: columnBuilderFor(
        { ...member, name: `${field.name}.${member.name}` },
        arrowType.children[index]!.type,
        capacity,
        previous?.children[index],
      ),
    }));
  }

  set(index: number, value: unknown): void {
    const isNull = this.validity.isNull(index, value);
    if (!isNull && (typeof value !== "object" || value instanceof Uint8Array || Array.isArray(value)))
      throw invalidValue(this.field, index, value);
    for (const { name, builder } of this.members) {
      builder.set(index, isNull ? null : valueAtKey(value as ArchiveValue, name));
    }
  }

  finish(length: number): arrow.Data {
    const children = this.members.map(({ builder }) => builder.finish(length));
    return arrow.makeData({ type: this.arrowType, length, ...this.validity.props(length), children });
  }
}

/** A `map<string, string>` value as a `Map` or an object; a null value is kept, an entry with a null key refused. */
class StringMapColumn implements ColumnBuilder {
  private readonly validity: Validity;
  private readonly offsets: Int32Array;
  private readonly keys = new GrowingStrings();
  private readonly values = new GrowingStrings();
  private entries = 0;

  constructor(
    private readonly field: NestedField,
    private readonly arrowType: arrow.DataType,
    capacity: number,
  ) {
    this.validity = new Validity(field, capacity);
    this.offsets = new Int32Array(capacity + 1);
  }

  set(index: number, value: unknown): void {
    if (!this.validity.isNull(index, value)) {
      if (typeof value !== "object" || value instanceof Uint8Array || Array.isArray(value))
        throw invalidValue(this.field, index, value);
      const entries = value instanceof Map ? value.entries() : Object.entries(value as Record<string, unknown>);
      for (const [key, entry] of entries) {
        if (typeof key !== "string" || (entry !== null && entry !== undefined && typeof entry !== "string")) {
          throw invalidValue(this.field, index, `{ ${String(key)}: ${String(entry)} }`);
        }
        this.keys.push(key);
        this.values.push(entry ?? null);
        this.entries++;
      }
    }
    this.offsets[index + 1] = this.entries;
  }

  finish(length: number): arrow.Data {
    const mapType = this.arrowType as arrow.Map_;
    const entriesType = mapType.children[0]!.type as arrow.Struct;
    const [keyType, valueType] = entriesType.children.map((child) => child.type) as [arrow.Utf8, arrow.Utf8];
    const child = arrow.makeData({
      type: entriesType,
      length: this.entries,
      nullCount: 0,
      children: [this.keys.finish(keyType), this.values.finish(valueType)],
    });
    return arrow.makeData({
      type: mapType,
      length,
      ...this.validity.props(length),
      valueOffsets: this.offsets.slice(0, length + 1),
      child,
    });
  }
}

/** Strings (or nulls) of unknown number: offsets, bytes and validity grow as they come. */
class GrowingStrings {
  private offsets = new Int32Array(1024 + 1);
  private bytes = new Uint8Array(MIN_VALUE_BYTES);
  private validity: Uint8Array | undefined;
  private count = 0;
  private used = 0;
  private nulls = 0;

  push(value: string | null): void {
    if (this.count + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.offsets.length * 2);
    if (value === null) {
      this.validity ??= new Uint8Array(Math.ceil(this.offsets.length / 8)).fill(0xff);
      if (this.validity.length * 8 <= this.count) this.validity = grow(this.validity, this.validity.length * 2, 0xff);
      this.validity[this.count >> 3]! &= ~(1 << (this.count & 7));
      this.nulls++;
    } else {
      // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
      if (this.used + value.length * 3 > this.bytes.length)
        this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, this.used + value.length * 3));
      this.used += utf8Encoder.encodeInto(value, this.bytes.subarray(this.used)).written;
    }
    this.offsets[++this.count] = this.used;
  }

  finish(type: arrow.Utf8): arrow.Data {
    const validity = this.validity
      ? { nullCount: this.nulls, nullBitmap: this.validity.subarray(0, Math.ceil(this.count / 8)) }
      : { nullCount: 0 };
    return columnData(
      type,
      this.count,
      validity,
      this.bytes.subarray(0, this.used),
      this.offsets.subarray(0, this.count + 1),
    );
  }
}

function grow<T extends Int32Array | Uint8Array>(array: T, length: number, fill = 0): T {
  const grown = new (array.constructor as new (length: number) => T)(length);
  if (fill !== 0) grown.fill(fill);
  grown.set(array);
  return grown;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DECIMAL128_BYTES = 16;

function toInt32(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    ? value
    : undefined;
}

function toInt64(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return BigInt.asIntN(64, value) === value ? value : undefined;
  return typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : undefined;
}

function toFloat(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** A uuid as the reader returns it (canonical text) or as its 16 bytes. */
function toUuidBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.length === 16 ? value : undefined;
  if (typeof value !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
    return undefined;
  return uuidBytes(value);
}

/**
 * A decimal as the reader returns it (text with at most the column's scale: "-5.5" or "-5.50"),
 * or its unscaled bigint, as Decimal128's little-endian two's complement; undefined when it does
 * not fit the precision.
 */
function toDecimal128(value: unknown, precision: number, scale: number): Uint8Array | undefined {
  let unscaled: bigint;
  if (typeof value === "bigint") unscaled = value;
  else {
    const match = typeof value === "string" ? /^(-?)(\d+)(?:\.(\d+))?$/.exec(value) : null;
    if (!match || (match[3] ?? "").length > scale) return undefined;
    unscaled = BigInt(`${match[1]}${match[2]}${(match[3] ?? "").padEnd(scale, "0")}`);
  }
  if ((unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(precision)) return undefined;
  const bytes = new Uint8Array(DECIMAL128_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, unscaled), true);
  view.setBigInt64(8, BigInt.asIntN(64, unscaled >> 64n), true);
  return bytes;
}

function invalidValue(field: NestedField, index: number, value: unknown): ArchiveError {
  const shown =
    typeof value === "bigint" ? `${value}n` : typeof value === "string" ? JSON.stringify(value) : String(value);
  return new ArchiveError(
    undefined,
    `column "${field.name}" (${typeText(field.type)}) cannot hold ${shown} (${typeof value}) at row ${index} of the batch`,
  );
}
