// The app's event envelope: which archive columns hold an event's position, id, type, version,
// time, stream and payload, and which attributes it carries with their types: each in a column of
// its own, or under its key in one map or struct column (`attributesColumn`). Declared once by the app; the replay, the filters, the live `appendEvents`, the archiver and the archive writer
// all read events through it.
import { EnvelopeError } from "./errors.ts";

export type AttributeType = "string" | "number" | "boolean";
export type AttributeValue = string | number | boolean;

/** Column names of the fields every event has. */
export interface EnvelopeColumns {
  /** Strictly increasing over the archive and the live table: the rebuild cursor. */
  position: string;
  id: string;
  type: string;
  version: string;
  /** A timestamp (microseconds) column. */
  occurredAt: string;
  stream: string;
  /** The event's JSON body. */
  payload: string;
}

export type EnvelopeRole = keyof EnvelopeColumns;

export interface EnvelopeAttribute {
  /** The archive column that holds it (the attributes column for one kept under a key). */
  readonly column: string;
  /** Its key in the attributes column (a map key or a struct field name); absent for a column of its own. */
  readonly key?: string;
  readonly type: AttributeType;
}

/** How one column holds many attributes: a `map<string, string>` (strings only) or a struct (a typed field each). */
export type AttributesColumnType = "map" | "struct";

export interface AttributesColumn {
  readonly name: string;
  readonly type: AttributesColumnType;
}

export interface EventEnvelope {
  readonly columns: Readonly<EnvelopeColumns>;
  /** Attribute name → its column (and key) and type, in declaration order. */
  readonly attributes: Readonly<Record<string, EnvelopeAttribute>>;
  /** The map or struct column that holds every attribute not given a column of its own, if declared. */
  readonly attributesColumn?: Readonly<AttributesColumn>;
}

export interface EnvelopeSpec {
  /** Column names; each one left out takes its name from DEFAULT_ENVELOPE_COLUMNS. */
  columns?: Partial<EnvelopeColumns>;
  /**
   * Attribute name → its type, or { column?, key?, type }. Without `attributesColumn` an attribute
   * is a column of the attribute's name or of `column`; with it, an attribute without `column` is
   * kept in that column under `key` (the attribute's name by default).
   */
  attributes?: Record<string, AttributeType | { column?: string; key?: string; type: AttributeType }>;
  /** One map or struct column holding the attributes, e.g. { name: "attributes", type: "map" }. */
  attributesColumn?: AttributesColumn;
}

export const DEFAULT_ENVELOPE_COLUMNS: Readonly<EnvelopeColumns> = Object.freeze({
  position: "global_position",
  id: "event_id",
  type: "event_type",
  version: "event_version",
  occurredAt: "occurred_at",
  stream: "stream_id",
  payload: "payload",
});

const ROLES = Object.keys(DEFAULT_ENVELOPE_COLUMNS) as EnvelopeRole[];
const ATTRIBUTE_TYPES: readonly AttributeType[] = ["string", "number", "boolean"];
const ATTRIBUTES_COLUMN_TYPES: readonly AttributesColumnType[] = ["map", "struct"];
/** Attribute names travel as Convex record keys, CLI `--where` keys and JSON fields: plain identifiers. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Any top-level column name (or map key, or struct field name) but one that reads as a nested path or has control characters. */
const COLUMN_NAME = /^[^.\p{Cc}]{1,128}$/u;

/**
 * Declares the app's event envelope. Throws EnvelopeError for an unknown column role, a bad name, a
 * column used twice (an attribute may not reuse a core column), an unknown attribute type, a key
 * used twice or without an attributes column, or a number or boolean attribute in a string map.
 */
export function defineEnvelope(spec: EnvelopeSpec = {}): EventEnvelope {
  if (!isObject(spec)) throw new EnvelopeError(`the envelope declaration must be an object, got ${describe(spec)}`);
  for (const key of Object.keys(spec)) {
    if (key !== "columns" && key !== "attributes" && key !== "attributesColumn") {
      throw new EnvelopeError(
        `the envelope declares "${key}"; it takes "columns", "attributes" and "attributesColumn"`,
      );
    }
  }
  const columns = envelopeColumns(spec.columns ?? {});
  const users = new Map<string, string>(ROLES.map((role) => [columns[role], `the event's ${role}`]));
  const container = spec.attributesColumn === undefined ? undefined : attributesColumnOf(spec.attributesColumn);
  if (container) {
    const user = users.get(container.name);
    if (user) throw new EnvelopeError(`attributesColumn "${container.name}" already holds ${user}`);
    users.set(container.name, "the attributes column");
  }
  const keys = new Map<string, string>();
  const attributes: Record<string, EnvelopeAttribute> = {};
  if (!isObject(spec.attributes ?? {}))
    throw new EnvelopeError(`attributes must be an object, got ${describe(spec.attributes)}`);
  for (const [name, declared] of Object.entries(spec.attributes ?? {})) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new EnvelopeError(
        `attribute name "${name.slice(0, 80)}" must be a letter then up to 63 letters, digits or "_"`,
      );
    }
    const attribute = envelopeAttribute(name, declared, container);
    if (attribute.key !== undefined) {
      const other = keys.get(attribute.key);
      if (other)
        throw new EnvelopeError(
          `attributes "${other}" and "${name}" both use key "${attribute.key}" of column "${attribute.column}": each needs a key of its own`,
        );
      keys.set(attribute.key, name);
    } else {
      const user = users.get(attribute.column);
      if (user)
        throw new EnvelopeError(`attribute "${name}" uses column "${attribute.column}", which already holds ${user}`);
      users.set(attribute.column, `attribute "${name}"`);
    }
    attributes[name] = Object.freeze(attribute);
  }
  return Object.freeze({
    columns: Object.freeze(columns),
    attributes: Object.freeze(attributes),
    ...(container ? { attributesColumn: Object.freeze(container) } : {}),
  });
}

/** The declared attribute of that name, if any. */
export function attributeNamed(envelope: EventEnvelope, name: string): EnvelopeAttribute | undefined {
  return Object.hasOwn(envelope.attributes, name) ? envelope.attributes[name] : undefined;
}

export function undeclaredAttributeProblem(envelope: EventEnvelope, name: string): string {
  return `attribute "${name.slice(0, 80)}" is not declared in the event envelope (${describeAttributes(envelope)})`;
}

/** Why `attributes` do not fit the envelope (an undeclared name, a value of another type), or null. */
export function attributesProblem(
  envelope: EventEnvelope,
  attributes: Readonly<Record<string, unknown>>,
): string | null {
  for (const [name, value] of Object.entries(attributes)) {
    const attribute = Object.hasOwn(envelope.attributes, name) ? envelope.attributes[name] : undefined;
    if (!attribute)
      return `attribute "${name.slice(0, 80)}" is not declared in the event envelope (${describeAttributes(envelope)})`;
    if (value !== null && !isAttributeValue(value, attribute.type)) {
      return `attribute "${name}" is ${describe(value)}, but the envelope declares it ${attributeTypeText(attribute.type)}`;
    }
  }
  return null;
}

/**
 * Why the envelope cannot carry an event type's declared attributes (one not declared, or declared
 * with another type), each with its fix; empty when it can.
 */
export function uncarriedAttributes(
  envelope: EventEnvelope,
  eventType: string,
  attributes: Readonly<Record<string, AttributeType>>,
): string[] {
  const problems: string[] = [];
  for (const [name, type] of Object.entries(attributes)) {
    const declared = attributeNamed(envelope, name);
    if (!declared) {
      problems.push(
        `event ${eventType} carries the ${type} attribute "${name}", which the envelope does not declare ` +
          `(${describeAttributes(envelope)}): add ${name}: "${type}" to defineEnvelope({ attributes })`,
      );
    } else if (declared.type !== type) {
      problems.push(
        `event ${eventType} carries "${name}" as ${attributeTypeText(type)}, but the envelope declares it ${attributeTypeText(declared.type)}: ` +
          `make the two declarations agree`,
      );
    }
  }
  return problems;
}

export function isAttributeValue(value: unknown, type: AttributeType): value is AttributeValue {
  return type === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === type;
}

/** "a string", "a finite number", "a boolean". */
export function attributeTypeText(type: AttributeType): string {
  return type === "number" ? "a finite number" : `a ${type}`;
}

export function describeAttributes(envelope: EventEnvelope): string {
  const entries = Object.entries(envelope.attributes);
  return entries.length === 0
    ? "it declares none"
    : `declared: ${entries.map(([name, attribute]) => `${name} (${attribute.type})`).join(", ")}`;
}

function envelopeColumns(declared: Partial<EnvelopeColumns>): EnvelopeColumns {
  if (!isObject(declared)) throw new EnvelopeError(`columns must be an object, got ${describe(declared)}`);
  for (const key of Object.keys(declared)) {
    if (!(ROLES as string[]).includes(key)) {
      throw new EnvelopeError(`columns.${key.slice(0, 80)} is not an envelope column; they are ${ROLES.join(", ")}`);
    }
  }
  const columns = { ...DEFAULT_ENVELOPE_COLUMNS, ...declared };
  const seen = new Map<string, EnvelopeRole>();
  for (const role of ROLES) {
    const column = checkColumnName(columns[role], `columns.${role}`);
    const other = seen.get(column);
    if (other)
      throw new EnvelopeError(
        `columns.${role} and columns.${other} are both "${column}": each needs a column of its own`,
      );
    seen.set(column, role);
  }
  return columns;
}

function envelopeAttribute(
  name: string,
  declared: unknown,
  container: AttributesColumn | undefined,
): EnvelopeAttribute {
  if (typeof declared === "string")
    return placed(name, checkAttributeType(name, declared), undefined, undefined, container);
  if (!isObject(declared)) {
    throw new EnvelopeError(
      `attribute "${name}" must be a type (${ATTRIBUTE_TYPES.join(", ")}) or { column, key, type }, got ${describe(declared)}`,
    );
  }
  for (const key of Object.keys(declared)) {
    if (key !== "column" && key !== "key" && key !== "type")
      throw new EnvelopeError(`attribute "${name}" declares "${key}"; it takes "column", "key" and "type"`);
  }
  const column =
    declared.column === undefined ? undefined : checkColumnName(declared.column, `attribute "${name}" column`);
  const key = declared.key === undefined ? undefined : checkColumnName(declared.key, `attribute "${name}" key`);
  return placed(name, checkAttributeType(name, declared.type), column, key, container);
}

/** Where the attribute lives: in the attributes column (under its key) unless it names a column of its own. */
function placed(
  name: string,
  type: AttributeType,
  column: string | undefined,
  key: string | undefined,
  container: AttributesColumn | undefined,
): EnvelopeAttribute {
  if (!container || (column !== undefined && column !== container.name)) {
    if (key !== undefined) {
      throw new EnvelopeError(
        container
          ? `attribute "${name}" has a column of its own ("${column}") and a key "${key}": a key is only for attributes kept in the attributes column "${container.name}"; drop one of them`
          : `attribute "${name}" declares key "${key}", which needs an attributes column: add attributesColumn: { name, type: "map" | "struct" } to defineEnvelope`,
      );
    }
    return { column: column ?? name, type };
  }
  if (container.type === "map" && type !== "string") {
    throw new EnvelopeError(
      `attribute "${name}" is ${type === "number" ? "a number" : "a boolean"}, but the map column "${container.name}" holds strings only (map<string, string>): ` +
        `declare it "string", give it a column of its own ({ column: "${name}", type: "${type}" }), or make attributesColumn a struct`,
    );
  }
  return { column: container.name, key: key ?? name, type };
}

function attributesColumnOf(declared: unknown): AttributesColumn {
  if (!isObject(declared)) {
    throw new EnvelopeError(`attributesColumn must be { name, type: "map" | "struct" }, got ${describe(declared)}`);
  }
  for (const key of Object.keys(declared)) {
    if (key !== "name" && key !== "type")
      throw new EnvelopeError(`attributesColumn declares "${key}"; it takes "name" and "type"`);
  }
  const name = checkColumnName(declared.name, "attributesColumn name");
  if (!ATTRIBUTES_COLUMN_TYPES.includes(declared.type as AttributesColumnType)) {
    throw new EnvelopeError(
      `attributesColumn "${name}" has type ${describe(declared.type)}; it is "map" (map<string, string>) or "struct"`,
    );
  }
  return { name, type: declared.type as AttributesColumnType };
}

function checkColumnName(column: unknown, what: string): string {
  if (typeof column !== "string" || !COLUMN_NAME.test(column)) {
    throw new EnvelopeError(
      `${what} must be a column name (1-128 characters, no "." or control characters), got ${describe(column)}`,
    );
  }
  return column;
}

export function isAttributeType(type: unknown): type is AttributeType {
  return ATTRIBUTE_TYPES.includes(type as AttributeType);
}

function checkAttributeType(name: string, type: unknown): AttributeType {
  if (!isAttributeType(type)) {
    throw new EnvelopeError(
      `attribute "${name}" has type ${describe(type)}; an attribute is ${ATTRIBUTE_TYPES.map((t) => `"${t}"`).join(", ")}`,
    );
  }
  return type as AttributeType;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === "string") return `${JSON.stringify(value.slice(0, 80))} (string)`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${String(value)} (${typeof value})`;
}
