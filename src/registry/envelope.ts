// The app's event envelope: which archive columns hold an event's position, id, type, version,
// time, stream and payload, and which attribute columns it carries with their types. Declared once
// by the app; the replay, the filters, the live `appendEvents`, the archiver and the archive writer
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
  /** The archive column that holds it. */
  readonly column: string;
  readonly type: AttributeType;
}

export interface EventEnvelope {
  readonly columns: Readonly<EnvelopeColumns>;
  /** Attribute name → its column and type, in declaration order. */
  readonly attributes: Readonly<Record<string, EnvelopeAttribute>>;
}

export interface EnvelopeSpec {
  /** Column names; each one left out takes its name from DEFAULT_ENVELOPE_COLUMNS. */
  columns?: Partial<EnvelopeColumns>;
  /** Attribute name → its type (the column has the attribute's name), or its column and type. */
  attributes?: Record<string, AttributeType | { column?: string; type: AttributeType }>;
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
/** Attribute names travel as Convex record keys, CLI `--where` keys and JSON fields: plain identifiers. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Any top-level column name but one that reads as a nested path or has control characters. */
const COLUMN_NAME = /^[^.\p{Cc}]{1,128}$/u;

/**
 * Declares the app's event envelope. Throws EnvelopeError for an unknown column role, a bad name, a
 * column used twice (an attribute may not reuse a core column) or an unknown attribute type.
 */
export function defineEnvelope(spec: EnvelopeSpec = {}): EventEnvelope {
  if (!isObject(spec)) throw new EnvelopeError(`the envelope declaration must be an object, got ${describe(spec)}`);
  for (const key of Object.keys(spec)) {
    if (key !== "columns" && key !== "attributes") {
      throw new EnvelopeError(`the envelope declares "${key}"; it takes "columns" and "attributes"`);
    }
  }
  const columns = envelopeColumns(spec.columns ?? {});
  const users = new Map<string, string>(ROLES.map((role) => [columns[role], `the event's ${role}`]));
  const attributes: Record<string, EnvelopeAttribute> = {};
  if (!isObject(spec.attributes ?? {}))
    throw new EnvelopeError(`attributes must be an object, got ${describe(spec.attributes)}`);
  for (const [name, declared] of Object.entries(spec.attributes ?? {})) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new EnvelopeError(
        `attribute name "${name.slice(0, 80)}" must be a letter then up to 63 letters, digits or "_"`,
      );
    }
    const attribute = envelopeAttribute(name, declared);
    const user = users.get(attribute.column);
    if (user)
      throw new EnvelopeError(`attribute "${name}" uses column "${attribute.column}", which already holds ${user}`);
    users.set(attribute.column, `attribute "${name}"`);
    attributes[name] = Object.freeze(attribute);
  }
  return Object.freeze({ columns: Object.freeze(columns), attributes: Object.freeze(attributes) });
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

function envelopeAttribute(name: string, declared: unknown): EnvelopeAttribute {
  if (typeof declared === "string") return { column: name, type: checkAttributeType(name, declared) };
  if (!isObject(declared)) {
    throw new EnvelopeError(
      `attribute "${name}" must be a type (${ATTRIBUTE_TYPES.join(", ")}) or { column, type }, got ${describe(declared)}`,
    );
  }
  for (const key of Object.keys(declared)) {
    if (key !== "column" && key !== "type")
      throw new EnvelopeError(`attribute "${name}" declares "${key}"; it takes "column" and "type"`);
  }
  const column = declared.column === undefined ? name : checkColumnName(declared.column, `attribute "${name}" column`);
  return { column, type: checkAttributeType(name, declared.type) };
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
