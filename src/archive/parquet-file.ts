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
    throw new CorruptArchiveError(location, `is not a readable Parquet file (${(error as Error).message})`, {
      cause: error,
    });
  }
  const columnsByFieldId = mapColumns(metadata, nameMapping);
  const rowGroupStarts: number[] = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    rowGroupStarts.push(start);
    start += Number(group.num_rows);
  }
  return {
    key,
    location,
    metadata,
    rawMetadata: stripLogicalTypes(metadata),
    columnsByFieldId,
    rowGroupStarts,
    buffer,
  };
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
        (element.converted_type === "UTF8" ||
          element.converted_type === "JSON" ||
          element.converted_type === "ENUM" ||
          element.logical_type?.type === "STRING" ||
          element.logical_type?.type === "JSON" ||
          element.logical_type?.type === "ENUM");
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
      throw new UnsupportedArchiveFeatureError(
        file.location,
        `column "${field.name}" has a nested type; only primitive columns can be read`,
      );
    }
  }
  const chunksByColumn = new Map<string, Array<{ rowStart: number; data: ArrayLike<unknown> }>>();
  const columnNames = present.map((field) => file.columnsByFieldId.get(field.id)!.element.name);
  const compressors = await parquetDecompressors();
  try {
    const buffer = await prefetchColumnChunks(
      file,
      rowGroup,
      present.map((field) => file.columnsByFieldId.get(field.id)!.index),
    );
    if (columnNames.length > 0)
      await parquetRead({
        file: buffer,
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
    throw new CorruptArchiveError(file.location, `row group ${rowGroup} cannot be decoded (${message})`, {
      cause: error,
    });
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
    result.set(
      field.id,
      convertColumn(raw, column.element, parsePrimitive(field.type as string), file.location, field.name),
    );
  }
  return result;
}

/** Column chunks closer than this are read as one range: one request beats two on S3 and disk. */
const COALESCE_GAP_BYTES = 1 << 20;

/**
 * Reads the byte ranges of a row group's needed column chunks up front, coalesced, in parallel:
 * a handful of requests per row group instead of one per column chunk and page index.
 */
async function prefetchColumnChunks(
  file: ParquetDataFile,
  rowGroup: number,
  columnIndexes: number[],
): Promise<AsyncBuffer> {
  const group = file.metadata.row_groups[rowGroup]!;
  const ranges = columnIndexes
    .map((index) => group.columns[index]?.meta_data)
    .filter((meta) => meta !== undefined)
    .map((meta) => {
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      return { start, end: start + Number(meta.total_compressed_size) };
    })
    .sort((a, b) => a.start - b.start);
  const spans: Array<{ start: number; end: number }> = [];
  for (const range of ranges) {
    const last = spans.at(-1);
    if (last && range.start - last.end <= COALESCE_GAP_BYTES) last.end = Math.max(last.end, range.end);
    else spans.push({ ...range });
  }
  const loaded = await Promise.all(
    spans.map(async (span) => ({ ...span, bytes: await file.buffer.slice(span.start, span.end) })),
  );
  return {
    byteLength: file.buffer.byteLength,
    slice: (start, end = file.buffer.byteLength) => {
      const span = loaded.find((candidate) => candidate.start <= start && end <= candidate.end);
      return span ? span.bytes.slice(start - span.start, end - span.start) : file.buffer.slice(start, end);
    },
  };
}

function concatChunks(
  chunks: Array<{ rowStart: number; data: ArrayLike<unknown> }>,
  rowStart: number,
  rowCount: number,
  location: string,
  column: string,
): ArrayLike<unknown> {
  chunks.sort((a, b) => a.rowStart - b.rowStart);
  const decoded = chunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
  const contiguous = chunks.every(
    (chunk, index) =>
      chunk.rowStart === (index === 0 ? rowStart : chunks[index - 1]!.rowStart + chunks[index - 1]!.data.length),
  );
  if (!contiguous || decoded !== rowCount) {
    throw new CorruptArchiveError(
      location,
      `column "${column}" decoded ${decoded} values in pages that do not tile its ${rowCount} rows`,
    );
  }
  if (chunks.length === 1) return chunks[0]!.data;
  const first = chunks[0]!.data;
  if (ArrayBuffer.isView(first) && chunks.every((chunk) => chunk.data.constructor === first.constructor)) {
    // Same typed array kind in every page: one allocation and native copies.
    const TypedArray = first.constructor as new (
      length: number,
    ) => { set(array: ArrayLike<unknown>, offset: number): void } & ArrayLike<unknown>;
    const values = new TypedArray(rowCount);
    let offset = 0;
    for (const chunk of chunks) {
      values.set(chunk.data, offset);
      offset += chunk.data.length;
    }
    return values;
  }
  return ([] as unknown[]).concat(
    ...chunks.map((chunk) => (Array.isArray(chunk.data) ? chunk.data : Array.from(chunk.data))),
  );
}
