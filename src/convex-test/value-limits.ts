// What a Convex deployment refuses in any value it stores, takes as arguments or returns, with the
// numbers of convex-backend (crates/value: MAX_ARRAY_LEN, MAX_OBJECT_FIELDS, MAX_NESTING;
// crates/common/src/document.rs: MAX_USER_SIZE, MAX_DOCUMENT_NESTING; knobs.rs:
// FUNCTION_MAX_ARGS_SIZE, FUNCTION_MAX_RESULT_SIZE). convex-test checks none of them.
import { getConvexSize, type Value } from "convex/values";

export const DEPLOYMENT_VALUE_LIMITS = {
  documentBytes: 1 << 20,
  documentNesting: 16,
  valueNesting: 64,
  arrayLength: 8_192,
  objectFields: 1_024,
  argumentBytes: 1 << 24,
  resultBytes: 1 << 24,
  /** Arguments of a "use node" action (the Node executor's request limit). */
  nodeActionArgumentBytes: 5 << 20,
} as const;

// `_id` and `_creationTime` as a deployment stores them, for documents measured without them.
const SYSTEM_FIELDS_BYTES = getConvexSize({ _id: "x".repeat(32), _creationTime: 0 }) - getConvexSize({});

/** Why a deployment would refuse to store `document` in `table`, or null. */
export function documentLimitViolation(table: string, document: Record<string, Value | undefined>): string | null {
  const where = `a document of table "${table}"`;
  const shape = shapeViolation(document, DEPLOYMENT_VALUE_LIMITS.documentNesting, "document");
  if (shape) return `${where} ${shape}`;
  const bytes = getConvexSize(document as Value) + SYSTEM_FIELDS_BYTES;
  if (bytes > DEPLOYMENT_VALUE_LIMITS.documentBytes)
    return `${where} is too large: ${formatBytes(bytes)}, over the ${formatLimit(DEPLOYMENT_VALUE_LIMITS.documentBytes)} a document may hold`;
  return null;
}

/** Why a deployment would refuse `value` as the arguments or result of a function, or null. */
export function functionValueViolation(value: Value, maxBytes: number): string | null {
  const shape = shapeViolation(value, DEPLOYMENT_VALUE_LIMITS.valueNesting, "value");
  if (shape) return shape;
  const bytes = getConvexSize(value);
  if (bytes > maxBytes) return `is too large: ${formatBytes(bytes)}, over the ${formatLimit(maxBytes)} allowed`;
  return null;
}

/** An array or object past its limits, or nesting past `maxNesting` (a primitive nests 0 levels). */
function shapeViolation(root: unknown, maxNesting: number, rootName: string): string | null {
  const visit = (value: unknown, path: string, depth: number): string | null => {
    if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return null;
    if (depth >= maxNesting) return `nests more than ${maxNesting} levels deep (at ${path})`;
    if (Array.isArray(value)) {
      if (value.length > DEPLOYMENT_VALUE_LIMITS.arrayLength)
        return `holds an array of ${value.length} items at ${path}, over the ${DEPLOYMENT_VALUE_LIMITS.arrayLength} an array may hold`;
      for (let index = 0; index < value.length; index++) {
        const found = visit(value[index], `${path}[${index}]`, depth + 1);
        if (found) return found;
      }
      return null;
    }
    const fields = Object.keys(value);
    if (fields.length > DEPLOYMENT_VALUE_LIMITS.objectFields)
      return `holds an object of ${fields.length} fields at ${path}, over the ${DEPLOYMENT_VALUE_LIMITS.objectFields} an object may hold`;
    for (const field of fields) {
      const found = visit((value as Record<string, unknown>)[field], `${path}.${field}`, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return visit(root, rootName, 0);
}

function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString("en-US")} bytes`;
}

/** Limits are whole MiB. */
function formatLimit(bytes: number): string {
  return `${bytes / (1 << 20)} MiB (${formatBytes(bytes)})`;
}
