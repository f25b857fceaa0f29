// Columns of files written without Parquet field ids (e.g. migrated Hive tables) are resolved by
// the table's name mapping (`schema.name-mapping.default`), else by the current column names.
import type { TableMetadata } from "./metadata.ts";
import type { IcebergSchema } from "./schema.ts";

interface MappedField {
  "field-id"?: number;
  names: string[];
}

export function nameMappingOf(metadata: TableMetadata, schema: IcebergSchema): Map<string, number> {
  const mapping = new Map<string, number>();
  for (const field of schema.fields) mapping.set(field.name, field.id);
  const property = metadata.properties["schema.name-mapping.default"];
  if (property) {
    for (const entry of JSON.parse(property) as MappedField[]) {
      if (entry["field-id"] === undefined) continue;
      for (const name of entry.names) mapping.set(name, entry["field-id"]);
    }
  }
  return mapping;
}
