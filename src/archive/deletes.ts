// Row-level deletes (spec "Row-level Deletes"): positional delete files name (data file path, row
// position); equality delete files hold column values whose matching rows are deleted.
import { primitiveValue } from "./values.ts";
import { CorruptArchiveError } from "./errors.ts";
import { FileContent } from "./manifest.ts";
import { openParquetDataFile, readRowGroupColumns } from "./parquet-file.ts";
import type { DeleteFileRef } from "./plan.ts";
import type { IcebergSchema, NestedField } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import type { ObjectStore } from "./store/object-store.ts";

/** Reserved field ids of positional delete files (spec "Reserved Field IDs"). */
const DELETE_FILE_PATH: NestedField = { id: 2147483546, name: "file_path", required: true, type: "string" };
const DELETE_POS: NestedField = { id: 2147483545, name: "pos", required: true, type: "long" };
const POSITIONAL_NAME_MAPPING = new Map([
  ["file_path", DELETE_FILE_PATH.id],
  ["pos", DELETE_POS.id],
]);

export interface DeletesForFile {
  /** Deleted row positions within the data file. */
  positions: Set<number>;
  /** For each equality delete: the compared field ids and the deleted value tuples (as keys). */
  equality: Array<{ fieldIds: number[]; keys: Set<string> }>;
}

/** Loads each delete file once per scan, however many data files it applies to. */
export class DeleteIndex {
  private readonly positional = new Map<string, Promise<Map<string, Set<number>>>>();
  private readonly equality = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly schemas: IcebergSchema[],
  ) {}

  async forDataFile(dataPath: string, deletes: DeleteFileRef[]): Promise<DeletesForFile> {
    const result: DeletesForFile = { positions: new Set(), equality: [] };
    for (const ref of deletes) {
      if (ref.content === FileContent.POSITION_DELETES) {
        const byPath = await this.cached(this.positional, ref, () => this.loadPositional(ref));
        for (const position of byPath.get(dataPath) ?? []) result.positions.add(position);
      } else {
        const keys = await this.cached(this.equality, ref, () => this.loadEquality(ref));
        result.equality.push({ fieldIds: ref.equalityFieldIds, keys });
      }
    }
    return result;
  }

  private cached<T>(cache: Map<string, Promise<T>>, ref: DeleteFileRef, load: () => Promise<T>): Promise<T> {
    let pending = cache.get(ref.key);
    if (!pending) {
      pending = load();
      cache.set(ref.key, pending);
    }
    return pending;
  }

  private async loadPositional(ref: DeleteFileRef): Promise<Map<string, Set<number>>> {
    const file = await openParquetDataFile(this.store, ref.key, ref.sizeInBytes, POSITIONAL_NAME_MAPPING);
    const byPath = new Map<string, Set<number>>();
    for (let group = 0; group < file.metadata.row_groups.length; group++) {
      const columns = await readRowGroupColumns(file, group, [DELETE_FILE_PATH, DELETE_POS]);
      const paths = columns.get(DELETE_FILE_PATH.id);
      const positions = columns.get(DELETE_POS.id);
      if (!paths || !positions) {
        throw new CorruptArchiveError(file.location, "positional delete file lacks the file_path or pos column");
      }
      for (let row = 0; row < paths.length; row++) {
        const path = paths[row] as string;
        let set = byPath.get(path);
        if (!set) byPath.set(path, (set = new Set()));
        set.add(Number(positions[row] as bigint));
      }
    }
    return byPath;
  }

  private async loadEquality(ref: DeleteFileRef): Promise<Set<string>> {
    const fields = ref.equalityFieldIds.map((id) => this.fieldById(id, ref));
    const nameMapping = new Map(fields.map((field) => [field.name, field.id]));
    const file = await openParquetDataFile(this.store, ref.key, ref.sizeInBytes, nameMapping);
    const keys = new Set<string>();
    for (let group = 0; group < file.metadata.row_groups.length; group++) {
      const columns = await readRowGroupColumns(file, group, fields);
      const values = fields.map((field) => {
        const column = columns.get(field.id);
        if (!column)
          throw new CorruptArchiveError(
            file.location,
            `equality delete file lacks column "${field.name}" (field ${field.id})`,
          );
        return column;
      });
      const rows = Number(file.metadata.row_groups[group]!.num_rows);
      for (let row = 0; row < rows; row++) keys.add(equalityKey(values.map((column) => primitiveValue(column[row]))));
    }
    return keys;
  }

  private fieldById(id: number, ref: DeleteFileRef): NestedField {
    for (const schema of this.schemas) {
      const field = schema.fields.find((candidate) => candidate.id === id);
      if (field) return field;
    }
    throw new CorruptArchiveError(
      `${this.store.root}/${ref.key}`,
      `equality delete compares field ${id}, which no schema of the table has`,
    );
  }
}

/** A value tuple as a string key; distinguishes types so 1 (int) and 1n (long) never collide by accident. */
export function equalityKey(values: IcebergValue[]): string {
  return values
    .map((value) => {
      if (value === null) return "∅";
      if (typeof value === "bigint") return `${value}n`;
      if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
      return `${typeof value}:${String(value)}`;
    })
    .join("\u0000");
}
