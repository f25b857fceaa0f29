// One Parquet data file of a table: its footer, the mapping of Iceberg field ids to its columns, and
// decoding of one row group's projected columns into Iceberg values (see values.ts).
import {
  parquetMetadataAsync,
  type AsyncBuffer,
  type Compressors,
  type FileMetaData,
  type SchemaElement,
} from "hyparquet";
import { ArchiveError, CorruptArchiveError, TransientStoreError, UnsupportedArchiveFeatureError } from "./errors.ts";
import { warnOnce } from "./warnings.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { isPrimitive, parsePrimitive, type NestedField } from "./schema.ts";
import { convertColumn, type ColumnValues } from "./values.ts";
import { columnSchemaTree, convertNestedColumn, readNestedColumn } from "./nested-column.ts";
import { parquetDecompressors } from "./decompressors.ts";
import { decodeColumnChunk, utf8Slice } from "./column-chunk.ts";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";

/** Most footers are a few KB; one 64 KB read usually gets all of it without reading data pages. */
const FOOTER_FETCH_BYTES = 64 * 1024;

/** Statistics and INT96 timestamps decoded to the representation of values.ts (bigint micros, days). */
const TIMESTAMP_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value * 1000n,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value / 1000n,
  dateFromDays: (days: number) => days,
};
export const VALUE_PARSERS = {
  ...DEFAULT_PARSERS,
  ...TIMESTAMP_PARSERS,
  stringFromBytes: (bytes: Uint8Array | undefined) => bytes && utf8Slice.call(bytes, 0, bytes.length),
};

export interface ParquetColumn {
  /** Index of its column chunk in a row group (leaves of the columns before it counted). */
  index: number;
  /** Position of its element in the file's schema list. */
  schemaIndex: number;
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
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (
        whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
      ) as ArrayBuffer;
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
  const recorded = byteLength && byteLength > 0 ? byteLength : undefined;
  let buffer = storeAsyncBuffer(store, key, recorded ?? (await store.size(key)));
  let metadata: FileMetaData;
  try {
    metadata = await readFooter(buffer, location);
  } catch (error) {
    // A file rewritten after commit leaves its manifest's size wrong, so the footer is not where
    // that size says: the store knows the real size.
    const actual = recorded === undefined || error instanceof TransientStoreError ? recorded : await store.size(key);
    if (actual === recorded) throw error;
    buffer = storeAsyncBuffer(store, key, actual!);
    // Not a Parquet file at its real size either (truncated, say): the first error says what is wrong.
    metadata = await readFooter(buffer, location).catch(() => Promise.reject(error));
    warnOnce(
      `${location}: the manifest records file_size_in_bytes ${recorded} but the file has ${actual} bytes ` +
        "(rewritten after commit?); read with the real size",
    );
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

async function readFooter(buffer: AsyncBuffer, location: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buffer, { parsers: TIMESTAMP_PARSERS, initialFetchSize: FOOTER_FETCH_BYTES });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new CorruptArchiveError(location, `is not a readable Parquet file (${(error as Error).message})`, {
      cause: error,
    });
  }
}

function mapColumns(metadata: FileMetaData, nameMapping: Map<string, number>): Map<number, ParquetColumn> {
  const columns = new Map<number, ParquetColumn>();
  const schema = metadata.schema;
  let schemaIndex = 1;
  let leaves = 0;
  for (let child = 0; child < (schema[0]?.num_children ?? 0); child++) {
    const element = schema[schemaIndex]!;
    const fieldId = element.field_id ?? nameMapping.get(element.name);
    if (fieldId !== undefined) columns.set(fieldId, { index: leaves, schemaIndex, element });
    const next = skipSubtree(schema, schemaIndex);
    for (let i = schemaIndex; i < next; i++) if (!schema[i]!.num_children) leaves++;
    schemaIndex = next;
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

/** A row group's needed column chunks, read and not yet decoded. */
export interface FetchedRowGroup {
  file: ParquetDataFile;
  rowGroup: number;
  fields: readonly NestedField[];
  chunks: Map<number, Uint8Array>;
  /** Nested columns by field id, as hyparquet's general reader assembled them (see nested-column.ts). */
  nested: Map<number, unknown[]>;
  compressors: Compressors;
}

/** Reads the bytes of one row group's columns for the given fields (decode them with decodeRowGroup). */
export async function fetchRowGroup(
  file: ParquetDataFile,
  rowGroup: number,
  fields: readonly NestedField[],
): Promise<FetchedRowGroup> {
  const present = fields.filter((field) => file.columnsByFieldId.has(field.id));
  const flat = present.filter((field) => isPrimitive(field.type));
  const nested = present.filter((field) => !isPrimitive(field.type));
  for (const field of flat) {
    if (file.columnsByFieldId.get(field.id)!.element.num_children) {
      throw new UnsupportedArchiveFeatureError(
        file.location,
        `column "${field.name}" is a group in the file but ${field.type as string} in the table schema`,
      );
    }
  }
  const compressors = await parquetDecompressors();
  const columnIndexes = flat.map((field) => file.columnsByFieldId.get(field.id)!.index);
  const chunks = readColumnChunks(file, rowGroup, columnIndexes).catch((error: unknown) => {
    throw decodeFailure(file, `row group ${rowGroup}`, error);
  });
  const nestedValues = nested.map(async (field) => {
    const name = file.columnsByFieldId.get(field.id)!.element.name;
    try {
      return [field.id, await readNestedColumn(file, rowGroup, name, VALUE_PARSERS, compressors)] as const;
    } catch (error) {
      throw decodeFailure(file, `row group ${rowGroup}, column "${name}"`, error);
    }
  });
  // Awaited together: a failed read is never left unhandled while the other is still running.
  const [flatChunks, nestedColumns] = await Promise.all([chunks, Promise.all(nestedValues)]);
  return { file, rowGroup, fields, chunks: flatChunks, nested: new Map(nestedColumns), compressors };
}

/**
 * Decodes a fetched row group into Iceberg values. Fields the file lacks come back as `undefined`
 * in the map: the caller fills them (partition value, initial default or null).
 */
export function decodeRowGroup({
  file,
  rowGroup,
  fields,
  chunks,
  nested,
  compressors,
}: FetchedRowGroup): Map<number, ColumnValues | undefined> {
  const rowCount = Number(file.metadata.row_groups[rowGroup]!.num_rows);
  const result = new Map<number, ColumnValues | undefined>();
  for (const field of fields) {
    const column = file.columnsByFieldId.get(field.id);
    if (!column) {
      result.set(field.id, undefined);
      continue;
    }
    try {
      const assembled = nested.get(field.id);
      if (assembled) {
        result.set(
          field.id,
          convertNestedColumn(assembled, columnSchemaTree(file, column.element.name), field, file.location),
        );
        continue;
      }
      const element = file.rawMetadata.schema[column.schemaIndex]!;
      const source = {
        metadata: file.rawMetadata,
        columnIndex: column.index,
        element,
        parsers: VALUE_PARSERS,
        compressors,
      };
      const raw = decodeColumnChunk(chunks.get(column.index)!, rowGroup, source, rowCount);
      result.set(
        field.id,
        convertColumn(raw, column.element, parsePrimitive(field.type as string), file.location, field.name),
      );
    } catch (error) {
      throw decodeFailure(file, `row group ${rowGroup}, column "${column.element.name}"`, error);
    }
  }
  return result;
}

/** Reads and decodes one row group's columns for the given fields (see decodeRowGroup). */
export async function readRowGroupColumns(
  file: ParquetDataFile,
  rowGroup: number,
  fields: readonly NestedField[],
): Promise<Map<number, ColumnValues | undefined>> {
  return decodeRowGroup(await fetchRowGroup(file, rowGroup, fields));
}

function decodeFailure(file: ParquetDataFile, where: string, error: unknown): Error {
  if (error instanceof ArchiveError) return error;
  const message = (error as Error).message;
  if (/compress|codec|encoding/i.test(message) && /unsupported|not supported|unknown/i.test(message)) {
    return new UnsupportedArchiveFeatureError(file.location, `${where}: ${message}`, { cause: error });
  }
  return new CorruptArchiveError(file.location, `${where} cannot be decoded (${message})`, { cause: error });
}

/** Column chunks closer than this are read as one range: one request beats two on S3 and disk. */
const COALESCE_GAP_BYTES = 1 << 20;

/**
 * Reads the bytes of a row group's needed column chunks, coalesced into a handful of ranges read
 * in parallel: a few requests per row group instead of one per column chunk.
 */
async function readColumnChunks(
  file: ParquetDataFile,
  rowGroup: number,
  columnIndexes: number[],
): Promise<Map<number, Uint8Array>> {
  const group = file.metadata.row_groups[rowGroup]!;
  const ranges = columnIndexes
    .map((index) => {
      const meta = group.columns[index]?.meta_data;
      if (!meta) throw new Error(`column chunk ${index} has no metadata`);
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      return { index, start, end: start + Number(meta.total_compressed_size) };
    })
    .sort((a, b) => a.start - b.start);
  const spans: Array<{ start: number; end: number; members: typeof ranges }> = [];
  for (const range of ranges) {
    const last = spans.at(-1);
    if (last && range.start - last.end <= COALESCE_GAP_BYTES) {
      last.end = Math.max(last.end, range.end);
      last.members.push(range);
    } else spans.push({ start: range.start, end: range.end, members: [range] });
  }
  const chunks = new Map<number, Uint8Array>();
  await Promise.all(
    spans.map(async (span) => {
      const bytes = new Uint8Array(await file.buffer.slice(span.start, span.end));
      for (const member of span.members)
        chunks.set(member.index, bytes.subarray(member.start - span.start, member.end - span.start));
    }),
  );
  return chunks;
}
