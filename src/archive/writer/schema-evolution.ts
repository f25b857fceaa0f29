// Which table schema an append writes with. The same fields as a schema the table has: that one.
// Otherwise the current schema plus new optional columns or new optional fields of a struct column
// (the only evolutions an append makes, e.g. `country` added part-way through the event archive):
// a new schema id. Files written before
// simply lack the new columns, which readers fill with nulls by field id.
import { ArchiveError } from "../errors.ts";
import { currentSchema, type TableMetadata } from "../metadata.ts";
import type { IcebergSchema, NestedField } from "../schema.ts";

export interface AppendSchema {
  /** The schema with the id it has (or will have) in the table. */
  schema: IcebergSchema;
  /** True when the commit must add it to the table's schemas. */
  isNew: boolean;
}

export function resolveAppendSchema(metadata: TableMetadata, schema: IcebergSchema): AppendSchema {
  const existing = metadata.schemas.find((candidate) => sameFields(candidate.fields, schema.fields));
  if (existing) return { schema: existing, isNew: false };

  const current = currentSchema(metadata);
  const refuse = (problem: string) =>
    new ArchiveError(metadata.location, `cannot append with schema ${describeFields(schema)}: ${problem}`);
  for (const field of current.fields) {
    const next = schema.fields.find((candidate) => candidate.id === field.id);
    if (!next) throw refuse(`it drops column "${field.name}" (field ${field.id}) of the current schema`);
    if (!sameField(field, next) && !addsStructFields(field, next, metadata["last-column-id"]))
      throw refuse(`it changes column "${field.name}" (field ${field.id})`);
  }
  const seen = new Set<number>();
  for (const field of schema.fields) {
    if (seen.has(field.id)) throw refuse(`field id ${field.id} is used twice`);
    seen.add(field.id);
    if (current.fields.some((candidate) => candidate.id === field.id)) continue;
    if (field.id <= metadata["last-column-id"]) {
      throw refuse(
        `new column "${field.name}" reuses field id ${field.id}; new ids start above ${metadata["last-column-id"]}`,
      );
    }
    if (field.required)
      throw refuse(`new column "${field.name}" is required, but files written before it cannot have it`);
  }
  const schemaId = Math.max(...metadata.schemas.map((candidate) => candidate["schema-id"])) + 1;
  return { schema: { ...schema, type: "struct", "schema-id": schemaId }, isNew: true };
}

function sameFields(a: readonly NestedField[], b: readonly NestedField[]): boolean {
  return a.length === b.length && a.every((field, index) => sameField(field, b[index]!));
}

function sameField(a: NestedField, b: NestedField): boolean {
  return (
    a.id === b.id && a.name === b.name && a.required === b.required && JSON.stringify(a.type) === JSON.stringify(b.type)
  );
}

/** Whether `next` is the struct column `field` with new optional fields (ids above `lastId`) after its own. */
function addsStructFields(field: NestedField, next: NestedField, lastId: number): boolean {
  if (typeof field.type === "string" || typeof next.type === "string") return false;
  if (field.type.type !== "struct" || next.type.type !== "struct") return false;
  if (field.id !== next.id || field.name !== next.name || field.required !== next.required) return false;
  const [kept, added] = [
    next.type.fields.slice(0, field.type.fields.length),
    next.type.fields.slice(field.type.fields.length),
  ];
  return sameFields(field.type.fields, kept) && added.every((member) => !member.required && member.id > lastId);
}

function describeFields(schema: IcebergSchema): string {
  return `(${schema.fields.map((field) => `${field.id}:${field.name}`).join(", ")})`;
}
