// The table a maintenance operation works on: opened for writing (file-system catalog layout,
// `metadata/vN.metadata.json`), since maintenance commits new metadata like any writer.
import { ArchiveError } from "../errors.ts";
import { isRestTableReference } from "../rest-catalog/table-reference.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { openObjectStore } from "../store/open-store.ts";
import type { S3StoreOptions } from "../store/s3-store.ts";
import { loadTableForWrite, type WritableTable } from "../writer/table-commit.ts";

export interface MaintainedTable {
  store: ObjectStore;
  table: WritableTable;
}

/** Opens a table directory or `s3://bucket/prefix` (a `…/metadata/*.metadata.json` path means its table). */
export async function openMaintainedTable(location: string, s3Options?: S3StoreOptions): Promise<MaintainedTable> {
  const store = openObjectStore(tableRootOf(location), s3Options);
  return { store, table: await loadTableForWrite(store) };
}

/** The table root of a location given to a maintenance command; REST catalog tables are refused. */
export function tableRootOf(location: string): string {
  if (isRestTableReference(location)) {
    throw new ArchiveError(
      location,
      "is a REST catalog table; maintenance commits metadata files itself, which only works for a table directory or s3:// prefix (run the catalog's own maintenance instead)",
    );
  }
  const trimmed = location.replace(/\/+$/, "");
  const metadataFile = /^(.*)\/metadata\/[^/]+\.metadata\.json(\.gz)?$/.exec(trimmed);
  return metadataFile ? metadataFile[1]! || "." : trimmed;
}
