// Decoding one column chunk of a row group into one array of the row group's values. Iceberg
// columns read here are flat (one Parquet leaf per column, see parquet-file.ts), so a page's values
// go straight to their rows: no Dremel list assembly, no per-page arrays to concatenate. The page
// formats themselves (headers, levels, encodings, codecs) are hyparquet's.
import type { Compressors, DataReader, FileMetaData, SchemaElement } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { convert, convertWithDictionary } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { getMaxDefinitionLevel, getSchemaPath } from "hyparquet/src/schema.js";

type ColumnDecoder = Parameters<typeof readDataPage>[2];
type DecodedArray = ReturnType<typeof convert>;
type TypedArray = Exclude<DecodedArray, unknown[]>;

export interface ColumnChunkSource {
  metadata: FileMetaData;
  /** Index of the column's chunk in a row group. */
  columnIndex: number;
  element: SchemaElement;
  parsers: ColumnDecoder["parsers"];
  compressors: Compressors;
}

/**
 * Decodes a whole column chunk (its bytes from the dictionary page, or first data page, on) into
 * `rowCount` values: a typed array for a numeric column without nulls, otherwise an array with
 * `null` for missing values. Throws when the pages do not hold exactly `rowCount` values.
 */
export function decodeColumnChunk(
  bytes: Uint8Array,
  rowGroup: number,
  source: ColumnChunkSource,
  rowCount: number,
): ArrayLike<unknown> {
  const meta = source.metadata.row_groups[rowGroup]!.columns[source.columnIndex]!.meta_data!;
  const schemaPath = schemaPathOf(source.metadata.schema, source.element.name);
  const decoder: ColumnDecoder = {
    pathInSchema: [source.element.name],
    type: source.element.type!,
    element: source.element,
    schemaPath,
    codec: meta.codec,
    parsers: source.parsers,
    compressors: source.compressors,
    utf8: false,
  };
  const maxDefinitionLevel = getMaxDefinitionLevel(schemaPath);
  const output = new ColumnOutput(rowCount);
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let dictionary: DecodedArray | undefined;
  while (output.filled < rowCount && reader.offset < bytes.byteLength) {
    const header = parquetHeader(reader);
    const pageBytes = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (pageBytes.length < header.compressed_page_size) {
      throw new Error(`page of ${header.compressed_page_size} bytes runs past the end of its column chunk`);
    }
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompressPage(pageBytes, header.uncompressed_page_size, decoder.codec, decoder.compressors);
      const pageReader: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const count = header.dictionary_page_header!.num_values;
      dictionary = isString(source.element)
        ? readPlainStrings(page, count)
        : convert(readPlain(pageReader, decoder.type, count, source.element.type_length), decoder);
    } else if (header.type === "DATA_PAGE") {
      const pageHeader = header.data_page_header!;
      const page = decompressPage(pageBytes, header.uncompressed_page_size, decoder.codec, decoder.compressors);
      if (pageHeader.encoding.endsWith("_DICTIONARY") && Array.isArray(dictionary)) {
        output.appendFromDictionary(page, pageHeader.num_values, maxDefinitionLevel, dictionary);
      } else {
        const { definitionLevels, dataPage } = readDataPage(page, pageHeader, decoder);
        checkDictionaryIndexes(dataPage, dictionary, pageHeader.encoding);
        const values = convertWithDictionary(dataPage, dictionary, pageHeader.encoding, decoder);
        output.append(values, definitionLevels, maxDefinitionLevel, pageHeader.num_values);
      }
    } else if (header.type === "DATA_PAGE_V2") {
      const pageHeader = header.data_page_header_v2!;
      const { definitionLevels, dataPage } = readDataPageV2(pageBytes, header, decoder);
      checkDictionaryIndexes(dataPage, dictionary, pageHeader.encoding);
      const values = convertWithDictionary(dataPage, dictionary, pageHeader.encoding, decoder);
      output.append(values, definitionLevels, maxDefinitionLevel, pageHeader.num_values);
    }
    // Index pages carry nothing a scan needs.
  }
  if (output.filled !== rowCount) {
    throw new Error(`column "${source.element.name}" holds ${output.filled} values in a row group of ${rowCount} rows`);
  }
  return output.values();
}

type SchemaPath = ReturnType<typeof getSchemaPath>;
const schemaPaths = new WeakMap<readonly SchemaElement[], Map<string, SchemaPath>>();

/** A top-level column's path in the schema tree, built once per file rather than per column chunk. */
function schemaPathOf(schema: SchemaElement[], name: string): SchemaPath {
  let paths = schemaPaths.get(schema);
  if (!paths) schemaPaths.set(schema, (paths = new Map()));
  let path = paths.get(name);
  if (!path) paths.set(name, (path = getSchemaPath(schema, [name])));
  return path;
}

/** Node's own UTF-8 decoding (what Buffer#toString wraps): for short strings, cheaper per call than TextDecoder. */
export const utf8Slice = (
  Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, start: number, end: number): string }
).utf8Slice;

/** A dictionary-encoded page must come after its dictionary and refer only to its entries. */
function checkDictionaryIndexes(indexes: DecodedArray, dictionary: DecodedArray | undefined, encoding: string): void {
  if (encoding.endsWith("_DICTIONARY")) checkIndexesWithin(indexes, dictionary);
}

function checkIndexesWithin(indexes: DecodedArray, dictionary: DecodedArray | undefined): void {
  if (!dictionary) throw new Error("a dictionary-encoded page comes without a dictionary page before it");
  let highest = 0;
  for (let i = 0; i < indexes.length; i++) if ((indexes[i] as number) > highest) highest = indexes[i] as number;
  if (indexes.length > 0 && highest >= dictionary.length) {
    throw new Error(`a page refers to dictionary entry ${highest} of a dictionary of ${dictionary.length}`);
  }
}

function isString(element: SchemaElement): boolean {
  return element.type === "BYTE_ARRAY" && element.converted_type === "UTF8";
}

/**
 * A string column's PLAIN byte arrays decoded straight from the page: one UTF-8 slice per value,
 * without the per-value byte views of the general path. Dictionaries of unique values (ids) are
 * where a scan spends most of its string decoding.
 */
function readPlainStrings(page: Uint8Array, count: number): string[] {
  const values = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > page.length) throw new Error(`a dictionary page of ${count} strings ends after ${i}`);
    const length =
      (page[offset]! | (page[offset + 1]! << 8) | (page[offset + 2]! << 16)) + page[offset + 3]! * 0x1000000;
    offset += 4;
    if (offset + length > page.length)
      throw new Error(`a string of ${length} bytes runs past the end of its dictionary page`);
    values[i] = utf8Slice.call(page, offset, offset + length);
    offset += length;
  }
  return values;
}

/** The row group's values, gathered page by page. */
class ColumnOutput {
  private readonly pages: DecodedArray[] = [];
  /** Once a page is written in place: the row group's values, the pages gathered before copied in. */
  private rows: unknown[] | undefined;
  filled = 0;

  constructor(private readonly rowCount: number) {}

  append(
    values: DecodedArray,
    definitionLevels: number[] | undefined,
    maxDefinitionLevel: number,
    valueCount: number,
  ): void {
    this.reserve(valueCount);
    if (!definitionLevels?.length) {
      if (values.length !== valueCount)
        throw new Error(`a page declares ${valueCount} values but holds ${values.length}`);
      if (this.rows) for (let i = 0; i < valueCount; i++) this.rows[this.filled + i] = values[i];
      else this.pages.push(values);
    } else {
      const target = this.rows ?? new Array<unknown>(valueCount);
      const at = this.rows ? this.filled : 0;
      let next = 0;
      for (let i = 0; i < valueCount; i++)
        target[at + i] = definitionLevels[i] === maxDefinitionLevel ? values[next++] : null;
      if (next !== values.length)
        throw new Error(`a page's definition levels cover ${next} of its ${values.length} values`);
      if (!this.rows) this.pages.push(target);
    }
    this.filled += valueCount;
  }

  /**
   * A v1 dictionary-encoded page (levels, then the dictionary indexes) decoded into its rows in
   * place: the general path's level, index and value arrays and its copy into the row group's array
   * are the bulk of a dictionary column's decoding time.
   */
  appendFromDictionary(page: Uint8Array, valueCount: number, maxDefinitionLevel: number, dictionary: unknown[]): void {
    this.reserve(valueCount);
    const reader: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
    let levels: Uint8Array | undefined;
    let present = valueCount;
    if (maxDefinitionLevel > 0) {
      levels = new Uint8Array(valueCount);
      readRleBitPackedHybrid(reader, 32 - Math.clz32(maxDefinitionLevel), levels);
      present = 0;
      for (let i = 0; i < valueCount; i++) if (levels[i] === maxDefinitionLevel) present++;
    }
    if (reader.offset >= page.length && present > 0)
      throw new Error("a dictionary-encoded page ends before its indexes");
    const indexes = new Int32Array(present);
    const bitWidth = present > 0 ? page[reader.offset++]! : 0;
    if (bitWidth > 0) readRleBitPackedHybrid(reader, bitWidth, indexes, page.length - reader.offset);
    checkIndexesWithin(indexes, dictionary);
    const rows = this.inPlace();
    const at = this.filled;
    if (!levels || present === valueCount) {
      for (let i = 0; i < valueCount; i++) rows[at + i] = dictionary[indexes[i]!];
    } else {
      let next = 0;
      for (let i = 0; i < valueCount; i++)
        rows[at + i] = levels[i] === maxDefinitionLevel ? dictionary[indexes[next++]!] : null;
    }
    this.filled += valueCount;
  }

  /** One page's values as they are; several pages of one typed array kind copied natively into one. */
  values(): ArrayLike<unknown> {
    if (this.rows) return this.rows;
    const [first] = this.pages;
    if (this.pages.length === 1) return first!;
    if (ArrayBuffer.isView(first) && this.pages.every((page) => page.constructor === first.constructor)) {
      const values = new (first.constructor as new (length: number) => TypedArray)(this.rowCount);
      let offset = 0;
      for (const page of this.pages) {
        (values as { set(source: ArrayLike<unknown>, offset: number): void }).set(page, offset);
        offset += page.length;
      }
      return values;
    }
    return this.inPlace();
  }

  private reserve(valueCount: number): void {
    if (this.filled + valueCount > this.rowCount) {
      throw new Error(`pages hold more than the row group's ${this.rowCount} values`);
    }
  }

  private inPlace(): unknown[] {
    if (!this.rows) {
      const rows = new Array<unknown>(this.rowCount);
      let offset = 0;
      for (const page of this.pages) {
        for (let i = 0; i < page.length; i++) rows[offset + i] = page[i];
        offset += page.length;
      }
      this.pages.length = 0;
      this.rows = rows;
    }
    return this.rows;
  }
}
