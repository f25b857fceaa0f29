// One Parquet data file of a table: its footer, the mapping of Iceberg field ids to its columns, and
// decoding of one row group's projected columns into Iceberg values (see values.ts).
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData, type SchemaElement } from "hyparquet";
import { ArchiveError, CorruptArchiveError, UnsupportedArchiveFeatureError } from "./errors.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { isPrimitive, parsePrimitive, type NestedField } from "./schema.ts";
import { convertColumn, type ColumnValues } from "./values.ts";
import { parquetDecompressors } from "./decompressors.ts";

/** Most footers are a few KB; one 64 KB read usually gets all of it without reading data pages. */
const FOOTER_FETCH_BYTES = 64 * 1024;

/** Statistics and INT96 timestamps decoded to the representation of values.ts (bigint micros, days). */
const TIMESTAMP_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value * 1000n,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value / 1000n,
  dateFromDays: (days: number) => days,
};

export interface ParquetColumn {
  /** Index among the top-level columns. */
  index: number;
  element: SchemaElement;
}

export interface ParquetDataFile {
  key: string;
  /** For messages: where the file is. */
  location: string;
  metadata: FileMetaData;
  /** Metadata with logical types stripped, so hyparquet hands back raw values for conversion by Iceberg type. */
  rawMetadata: FileMetaData;
  /** Top-level Parquet columns by Iceberg field id. */
  columnsByFieldId: Map<number, ParquetColumn>;
  /** Row offset of each row group's first row within the file. */
  rowGroupStarts: number[];
  buffer: AsyncBuffer;
}

export function storeAsyncBuffer(store: ObjectStore, key: string, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    slice: async (start, end) => {
      const bytes = await store.read(key, { start, end: end ?? byteLength });
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/**
 * Opens a data file; `nameMapping` resolves columns of files written without field ids
 * (from the table property `schema.name-mapping.default`, else the current column names).
 */
export async function openParquetDataFile(
  store: ObjectStore,
  key: string,
  byteLength: number | undefined,
  nameMapping: Map<string, number>,
): Promise<ParquetDataFile> {
  const location = `${store.root}/${key}`;
  const size = byteLength && byteLength > 0 ? byteLength : await store.size(key);
  const buffer = storeAsyncBuffer(store, key, size);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer, { parsers: TIMESTAMP_PARSERS, initialFetchSize: FOOTER_FETCH_BYTES });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new CorruptArchiveError(location, `is not a readable Parquet file (${(error as Error).message})`, { cause: error });
  }
  const columnsByFieldId = mapColumns(metadata, nameMapping);
  const rowGroupStarts: number[] = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    rowGroupStarts.push(start);
    start += Number(group.num_rows);
  }
  return { key, location, metadata, rawMetadata: stripLogicalTypes(metadata), columnsByFieldId, rowGroupStarts, buffer };
}

function mapColumns(metadata: FileMetaData, nameMapping: Map<string, number>): Map<number, ParquetColumn> {
  const columns = new Map<number, ParquetColumn>();
  const schema = metadata.schema;
  let index = 1;
  for (let child = 0; child < (schema[0]?.num_children ?? 0); child++) {
    const element = schema[index]!;
    const fieldId = element.field_id ?? nameMapping.get(element.name);
    if (fieldId !== undefined) columns.set(fieldId, { index: child, element });
    index = skipSubtree(schema, index);
  }
  return columns;
}

function skipSubtree(schema: SchemaElement[], index: number): number {
  let next = index + 1;
  for (let child = 0; child < (schema[index]!.num_children ?? 0); child++) next = skipSubtree(schema, next);
  return next;
}

function stripLogicalTypes(metadata: FileMetaData): FileMetaData {
  return {
    ...metadata,
    schema: metadata.schema.map((element) => {
      if (element.num_children) return element;
      const isString =
        element.type === "BYTE_ARRAY" &&
        (element.converted_type === "UTF8" || element.converted_type === "JSON" || element.converted_type === "ENUM" ||
          element.logical_type?.type === "STRING" || element.logical_type?.type === "JSON" || element.logical_type?.type === "ENUM");
      const { converted_type: _converted, logical_type: _logical, ...rest } = element;
      return isString ? { ...rest, converted_type: "UTF8" as const } : rest;
    }),
  };
}

/**
 * Decodes the given fields of one row group. Fields the file lacks come back as `undefined` in
 * the map: the caller fills them (partition value, initial default or null).
 */
export async function readRowGroupColumns(
  file: ParquetDataFile,
  rowGroup: number,
  fields: readonly NestedField[],
): Promise<Map<number, ColumnValues | undefined>> {
  const rowStart = file.rowGroupStarts[rowGroup]!;
  const rowEnd = rowStart + Number(file.metadata.row_groups[rowGroup]!.num_rows);
  const present = fields.filter((field) => file.columnsByFieldId.has(field.id));
  for (const field of present) {
    if (!isPrimitive(field.type)) {
      throw new UnsupportedArchiveFeatureError(file.location, `column "${field.name}" has a nested type; only primitive columns can be read`);
    }
  }
  const chunksByColumn = new Map<string, Array<{ rowStart: number; data: ArrayLike<unknown> }>>();
  const columnNames = present.map((field) => file.columnsByFieldId.get(field.id)!.element.name);
  const compressors = await parquetDecompressors();
  try {
    if (columnNames.length > 0) await parquetRead({
      file: file.buffer,
      metadata: file.rawMetadata,
      columns: columnNames,
      rowStart,
      rowEnd,
      utf8: false,
      parsers: TIMESTAMP_PARSERS,
      compressors,
      onChunk: ({ columnName, columnData, rowStart: chunkStart }) => {
        const chunks = chunksByColumn.get(columnName) ?? [];
        chunks.push({ rowStart: chunkStart, data: columnData });
        chunksByColumn.set(columnName, chunks);
      },
    });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const message = (error as Error).message;
    if (/compress|codec/i.test(message) && /unsupported|not supported|unknown/i.test(message)) {
      throw new UnsupportedArchiveFeatureError(file.location, `row group ${rowGroup}: ${message}`, { cause: error });
    }
    throw new CorruptArchiveError(file.location, `row group ${rowGroup} cannot be decoded (${message})`, { cause: error });
  }
  const rowCount = rowEnd - rowStart;
  const result = new Map<number, ColumnValues | undefined>();
  for (const field of fields) {
    const column = file.columnsByFieldId.get(field.id);
    if (!column) {
      result.set(field.id, undefined);
      continue;
    }
    const chunks = chunksByColumn.get(column.element.name) ?? [];
    const raw = concatChunks(chunks, rowStart, rowCount, file.location, column.element.name);
    result.set(field.id, convertColumn(raw, column.element, parsePrimitive(field.type as string), file.location, field.name));
  }
  return result;
}

function concatChunks(
  chunks: Array<{ rowStart: number; data: ArrayLike<unknown> }>,
  rowStart: number,
  rowCount: number,
  location: string,
  column: string,
): ArrayLike<unknown> {
  if (chunks.length === 1 && chunks[0]!.rowStart === rowStart && chunks[0]!.data.length === rowCount) return chunks[0]!.data;
  chunks.sort((a, b) => a.rowStart - b.rowStart);
  const values = new Array<unknown>(rowCount);
  let filled = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.data.length; i++) {
      const row = chunk.rowStart + i - rowStart;
      if (row >= 0 && row < rowCount) {
        values[row] = chunk.data[i];
        filled++;
      }
    }
  }
  if (filled !== rowCount) {
    throw new CorruptArchiveError(location, `column "${column}" decoded ${filled} values for ${rowCount} rows`);
  }
  return values;
}
