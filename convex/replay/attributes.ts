import { ArchiveError } from "../../src/archive/errors.ts";
import { isPrimitive, type IcebergSchema } from "../../src/archive/schema.ts";
import { EVENT_COLUMNS } from "../../src/replay/archive-events.ts";

const CORE = new Set<string>(Object.values(EVENT_COLUMNS));

/** Attribute columns to read: every string column of the archive besides the core event columns. */
export function attributeColumnsOf(schema: IcebergSchema, required: readonly string[]): string[] {
  const attributes = schema.fields
    .filter((field) => !CORE.has(field.name) && isPrimitive(field.type) && field.type === "string")
    .map((field) => field.name);
  const missing = required.filter((name) => !attributes.includes(name));
  if (missing.length > 0) {
    throw new ArchiveError(
      undefined,
      `the archive has no attribute column ${missing.map((name) => `"${name}"`).join(", ")} to filter on; it has ${attributes.map((name) => `"${name}"`).join(", ")}`,
    );
  }
  return attributes;
}
