// Read-model documents are stored under a string key built from their key fields, in the order the
// projection declares them. One field: its value as is (readable in the dashboard); several: a JSON
// array of the values, which is unambiguous whatever the values contain.

export type KeyEncoder<Key> = (key: Key) => string;

export function keyEncoder<Key extends Record<string, unknown>>(fields: readonly (keyof Key & string)[]): KeyEncoder<Key> {
  const [only] = fields;
  if (fields.length === 1 && only !== undefined) {
    return (key) => keyPart(key, only);
  }
  return (key) => JSON.stringify(fields.map((field) => keyPart(key, field)));
}

function keyPart(key: Record<string, unknown>, field: string): string {
  const value = key[field];
  if (typeof value !== "string") {
    throw new TypeError(`read-model key field ${field} must be a string, got ${value === null ? "null" : typeof value}`);
  }
  return value;
}
