// Nested columns (struct, list, map, nested in each other): hyparquet's general reader assembles a
// row group's values from their Parquet leaves (repetition and definition levels), then each value
// is matched to its Iceberg type by field id, the way top-level columns are. Primitive columns keep
// the flat path of column-chunk.ts; this one pays for generality only where a column needs it.
import {
  parquetSchema,
  type AsyncBuffer,
  type Compressors,
  type FileMetaData,
  type ParquetParsers,
  type SchemaElement,
  type SchemaTree,
} from "hyparquet";
import { parquetReadColumn } from "hyparquet/src/read.js";
import { UnsupportedArchiveFeatureError } from "./errors.ts";
import { parseJsonValue } from "./json-single-value.ts";
import { isPrimitive, parsePrimitive, type IcebergType, type NestedField } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import { convertColumn, type ArchiveValue } from "./values.ts";

/** What a nested column needs from its data file (see ParquetDataFile in parquet-file.ts). */
export interface NestedColumnSource {
  location: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  rawMetadata: FileMetaData;
  rowGroupStarts: number[];
}

/** One row group's values of a nested top-level column, as hyparquet assembles them (leaves raw). */
export async function readNestedColumn(
  file: NestedColumnSource,
  rowGroup: number,
  columnName: string,
  parsers: ParquetParsers,
  compressors: Compressors,
): Promise<unknown[]> {
  const rowStart = file.rowGroupStarts[rowGroup]!;
  const rowEnd = rowStart + Number(file.metadata.row_groups[rowGroup]!.num_rows);
  const values = await parquetReadColumn({
    file: file.buffer,
    metadata: mapsAsEntries(file.rawMetadata),
    columns: [columnName],
    rowStart,
    rowEnd,
    parsers,
    compressors,
    // Binary leaves stay bytes; strings are text by their UTF8 annotation, which rawMetadata keeps.
    utf8: false,
  });
  return Array.from(values as ArrayLike<unknown>);
}

const entriesMetadata = new WeakMap<FileMetaData, FileMetaData>();

/**
 * The metadata with map groups unannotated, so hyparquet hands back a map as its key-value entries.
 * Assembled as an object, a map would lose a `__proto__` key, reorder integer-like keys and turn
 * binary keys into text.
 */
function mapsAsEntries(metadata: FileMetaData): FileMetaData {
  let stripped = entriesMetadata.get(metadata);
  if (!stripped) {
    stripped = {
      ...metadata,
      schema: metadata.schema.map((element) => {
        if (!isMapGroup(element)) return element;
        const { converted_type: _converted, logical_type: _logical, ...rest } = element;
        return rest;
      }),
    };
    entriesMetadata.set(metadata, stripped);
  }
  return stripped;
}

function isMapGroup(element: SchemaElement): boolean {
  return (
    element.converted_type === "MAP" ||
    element.converted_type === "MAP_KEY_VALUE" ||
    element.logical_type?.type === "MAP"
  );
}

/** The schema tree of a top-level column (with logical types: leaf conversion needs their units). */
export function columnSchemaTree(file: NestedColumnSource, columnName: string): SchemaTree {
  const tree = parquetSchema(file.metadata).children.find((child) => child.element.name === columnName);
  if (!tree) throw new Error(`parquet column not found: ${columnName}`);
  return tree;
}

/**
 * Turns one column's assembled values into Iceberg values of `field`'s type: structs become objects
 * keyed by Iceberg field name, lists arrays, maps `Map`s (keys of any primitive type, in file order). Struct fields the file lacks (added later)
 * get their `initial-default`, else null.
 */
export function convertNestedColumn(
  raw: unknown[],
  tree: SchemaTree,
  field: NestedField,
  location: string,
): ArchiveValue[] {
  const converter = nestedConverter(tree, field.type, field.name, location);
  return raw.map((value) => converter(value));
}

type Converter = (raw: unknown) => ArchiveValue;

/** Builds the conversion once per column, so matching children by field id is not redone per row. */
function nestedConverter(tree: SchemaTree, type: IcebergType, path: string, location: string): Converter {
  if (isPrimitive(type)) {
    if (tree.children.length > 0)
      throw mismatch(location, path, `is a group in the file but ${type} in the table schema`);
    const parsed = parsePrimitive(type);
    return (raw) =>
      raw === undefined || raw === null
        ? null
        : (convertColumn([raw], tree.element, parsed, location, path)[0] ?? null);
  }
  switch (type.type) {
    case "struct": {
      if (tree.children.length === 0)
        throw mismatch(location, path, "is a primitive in the file but a struct in the table schema");
      const members = type.fields.map((member) => {
        const child = childFor(tree, member);
        const memberPath = `${path}.${member.name}`;
        if (!child) {
          const fill = parseJsonValue(
            member.type,
            member["initial-default"],
            `${location} (initial-default of field "${memberPath}")`,
          );
          return { name: member.name, source: undefined, convert: () => fill };
        }
        return {
          name: member.name,
          source: child.element.name,
          convert: nestedConverter(child, member.type, memberPath, location),
        };
      });
      return (raw) => {
        if (raw === undefined || raw === null) return null;
        const record = raw as Record<string, unknown>;
        const struct: Record<string, ArchiveValue> = {};
        for (const member of members)
          struct[member.name] = member.convert(member.source === undefined ? undefined : record[member.source]);
        return struct;
      };
    }
    case "list": {
      const element = listElementOf(tree, location, path);
      const convert = nestedConverter(element, type.element, `${path}.element`, location);
      return (raw) => (raw === undefined || raw === null ? null : (raw as unknown[]).map(convert));
    }
    case "map": {
      const entry = tree.children[0];
      if (!isMapGroup(tree.element) || entry?.children.length !== 2) {
        throw mismatch(location, path, "is not a Parquet MAP group (key and value) but a map in the table schema");
      }
      const [keyNode, valueNode] = entry.children as [SchemaTree, SchemaTree];
      const convertKey = nestedConverter(keyNode, type.key, `${path}.key`, location);
      const convertValue = nestedConverter(valueNode, type.value, `${path}.value`, location);
      const entries = entry.element.name;
      const keyName = keyNode.element.name;
      const valueName = valueNode.element.name;
      return (raw) => {
        if (raw === undefined || raw === null) return null;
        const map = new Map<IcebergValue, ArchiveValue>();
        for (const pair of ((raw as Record<string, unknown>)[entries] ?? []) as Array<Record<string, unknown>>) {
          map.set(convertKey(pair[keyName]) as IcebergValue, convertValue(pair[valueName]));
        }
        return map;
      };
    }
  }
}

/** The Parquet child of a struct for an Iceberg field: by field id; by name only in files written without ids. */
function childFor(tree: SchemaTree, member: NestedField): SchemaTree | undefined {
  const byId = tree.children.find((child) => child.element.field_id === member.id);
  if (byId) return byId;
  const fileHasIds = tree.children.some((child) => child.element.field_id !== undefined);
  return fileHasIds ? undefined : tree.children.find((child) => child.element.name === member.name);
}

/** The element of a LIST group: three-level (`list` / `element`) or legacy two-level. */
function listElementOf(tree: SchemaTree, location: string, path: string): SchemaTree {
  const repeated = tree.children[0];
  if (tree.element.converted_type !== "LIST" || tree.children.length !== 1 || !repeated) {
    throw mismatch(location, path, "is not a Parquet LIST group but a list in the table schema");
  }
  return repeated.children.length === 1 ? repeated.children[0]! : repeated;
}

function mismatch(location: string, path: string, problem: string): UnsupportedArchiveFeatureError {
  return new UnsupportedArchiveFeatureError(location, `column "${path}" ${problem}`);
}
