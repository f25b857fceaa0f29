// Whether an archive table can carry the app's events: every column the envelope declares exists
// in the table's current schema with a type the replay reads as the declared one. Attribute columns
// may still be missing from data files written before they were added: the scan reads those as null.
// Attributes kept in a map column need a map with string keys and values; in a struct column, a
// field of each attribute's name (its key) and type.
import { EnvelopeMismatchError } from "./errors.ts";
import {
  fieldByName,
  isPrimitive,
  typeText,
  type IcebergSchema,
  type IcebergType,
  type PrimitiveTypeName,
} from "./schema.ts";
import type {
  AttributesColumn,
  AttributeType,
  EnvelopeAttribute,
  EnvelopeRole,
  EventEnvelope,
} from "../registry/envelope.ts";

/** Iceberg types the replay reads as each core field, and as each attribute type. */
const CORE_TYPES: Record<EnvelopeRole, readonly PrimitiveTypeName[]> = {
  position: ["long", "int"],
  id: ["string", "uuid"],
  type: ["string"],
  version: ["int", "long"],
  // Microseconds since the epoch; nanosecond timestamps would need another conversion.
  occurredAt: ["timestamptz", "timestamp"],
  stream: ["string", "uuid"],
  payload: ["string"],
};

const ATTRIBUTE_TYPES: Record<AttributeType, readonly PrimitiveTypeName[]> = {
  string: ["string", "uuid"],
  number: ["int", "long", "float", "double"],
  boolean: ["boolean"],
};

/** How a declared attribute gets its column; files written before it then read it as null. */
const ADD_ATTRIBUTE =
  "add the column to the table's schema (the archive writer adds every declared attribute on its next append, " +
  "e.g. the archiver's next run; another writer: ALTER TABLE ... ADD COLUMN)";

/** Throws EnvelopeMismatchError naming the first declared column the table lacks or types otherwise, and the fix. */
export function checkArchiveCarriesEnvelope(schema: IcebergSchema, envelope: EventEnvelope, location?: string): void {
  const problems: string[] = [];
  const check = (
    column: string,
    what: string,
    declaration: string,
    accepted: readonly PrimitiveTypeName[],
    toAdd: string,
  ) => {
    const field = fieldByName(schema, column);
    if (!field) {
      problems.push(
        `it has no column "${column}" for ${what}: declare the column that holds it (${declaration}) or ${toAdd}`,
      );
    } else if (!isPrimitive(field.type) || !(accepted as readonly string[]).includes(field.type)) {
      const shown = typeof field.type === "string" ? field.type : field.type.type;
      problems.push(
        `its column "${column}" for ${what} is ${shown}, which does not read as that (${accepted.join(", ")} do): ` +
          `declare a column of such a type (${declaration})`,
      );
    }
  };
  for (const [role, accepted] of Object.entries(CORE_TYPES) as Array<[EnvelopeRole, readonly PrimitiveTypeName[]]>) {
    check(
      envelope.columns[role],
      `the event's ${role}`,
      `columns.${role} in defineEnvelope`,
      accepted,
      "write the archive with it",
    );
  }
  const container = envelope.attributesColumn;
  const keyed = Object.entries(envelope.attributes).filter(([, attribute]) => attribute.key !== undefined);
  if (container && keyed.length > 0) problems.push(...attributesColumnProblems(schema, container, keyed));
  for (const [name, attribute] of Object.entries(envelope.attributes)) {
    if (attribute.key !== undefined) continue;
    const what = `the ${attribute.type} attribute "${name}"`;
    check(
      attribute.column,
      what,
      `attributes.${name} in defineEnvelope`,
      ATTRIBUTE_TYPES[attribute.type],
      ADD_ATTRIBUTE,
    );
  }
  if (problems.length > 0) {
    throw new EnvelopeMismatchError(
      location,
      `the archive does not carry the app's event envelope: ${problems.join("; ")}. ` +
        `Its columns are ${schema.fields.map((field) => `"${field.name}"`).join(", ")}`,
    );
  }
}

/** What keeps the table's attributes column from carrying the attributes kept in it (empty when nothing). */
function attributesColumnProblems(
  schema: IcebergSchema,
  container: AttributesColumn,
  keyed: Array<[string, EnvelopeAttribute]>,
): string[] {
  const field = fieldByName(schema, container.name);
  const declared = `attributesColumn in defineEnvelope`;
  const names = keyed.map(([name]) => `"${name}"`).join(", ");
  if (!field) {
    return [
      `it has no column "${container.name}" for the attributes ${names} (${container.type} column): ` +
        `declare the column that holds them (${declared}) or ${ADD_ATTRIBUTE}`,
    ];
  }
  const type = field.type;
  if (container.type === "map") {
    if (!isPrimitive(type) && type.type === "map" && type.key === "string" && accepts("string", type.value)) return [];
    return [
      `its column "${container.name}" for the attributes ${names} is ${typeText(type)}, not the map<string, string> the envelope declares: ` +
        `declare the column's layout (${declared})`,
    ];
  }
  if (isPrimitive(type) || type.type !== "struct") {
    return [
      `its column "${container.name}" for the attributes ${names} is ${typeText(type)}, not the struct the envelope declares: ` +
        `declare the column's layout (${declared})`,
    ];
  }
  const problems: string[] = [];
  for (const [name, attribute] of keyed) {
    const member = type.fields.find((candidate) => candidate.name === attribute.key);
    if (!member) {
      problems.push(
        `its struct column "${container.name}" has no field "${attribute.key}" for the ${attribute.type} attribute "${name}": ` +
          `declare its key (attributes.${name} in defineEnvelope) or add the field to the struct (ALTER TABLE ... ADD COLUMN ${container.name}.${attribute.key})`,
      );
    } else if (!accepts(attribute.type, member.type)) {
      problems.push(
        `its field "${container.name}.${attribute.key}" for the ${attribute.type} attribute "${name}" is ${typeText(member.type)}, ` +
          `which does not read as that (${ATTRIBUTE_TYPES[attribute.type].join(", ")} do): declare its type (attributes.${name} in defineEnvelope)`,
      );
    }
  }
  return problems;
}

function accepts(attributeType: AttributeType, type: IcebergType): boolean {
  return isPrimitive(type) && (ATTRIBUTE_TYPES[attributeType] as readonly string[]).includes(type);
}
