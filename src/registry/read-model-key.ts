// Read-model documents are stored under a string key built from their key fields, in the order the
// projection declares them. One field: its value as is (readable in the dashboard); several: the
// JSON array of the values, which is unambiguous whatever the values contain.

export type KeyEncoder<Key> = (key: Key) => string;

/** Encodes keys once per document and batch (lookups in a batch go through KeyTable). */
export function keyEncoder<Key>(fields: readonly (keyof Key & string)[]): KeyEncoder<Key> {
  const [only] = fields;
  if (fields.length === 1 && only !== undefined) return (key) => keyPart(key, only);
  return (key) => JSON.stringify(fields.map((field) => keyPart(key, field)));
}

function keyPart<Key>(key: Key, field: keyof Key & string): string {
  const value: unknown = key[field];
  if (typeof value !== "string") {
    throw new TypeError(
      `read-model key field ${field} must be a string, got ${value === null ? "null" : typeof value}`,
    );
  }
  return value;
}

/**
 * A map by key object, nested one level per key field: finding a document a handler touches again
 * costs a few lookups of strings the event already holds, instead of building and hashing an
 * encoded key per event. Lookups do not validate: a key with a non-string field is simply absent.
 */
export class KeyTable<Key, Value> {
  readonly #fields: readonly (keyof Key & string)[];
  readonly #root = new Map<unknown, unknown>();

  constructor(fields: readonly (keyof Key & string)[]) {
    this.#fields = fields;
  }

  get(key: Key): Value | undefined {
    let level: unknown = this.#root;
    for (let index = 0; index < this.#fields.length && level !== undefined; index++) {
      level = (level as Map<unknown, unknown>).get(key[this.#fields[index] as keyof Key & string]);
    }
    return level as Value | undefined;
  }

  set(key: Key, value: Value): void {
    let level = this.#root;
    const last = this.#fields.length - 1;
    for (let index = 0; index < last; index++) {
      const part = key[this.#fields[index] as keyof Key & string];
      let next = level.get(part) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(part, (next = new Map()));
      level = next;
    }
    level.set(key[this.#fields[last] as keyof Key & string], value);
  }
}
