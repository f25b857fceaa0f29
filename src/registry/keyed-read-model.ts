// The read-model API handlers use. A batch loads each document once (prefetched in one storage
// call, or on first access), folds every event into an in-memory copy, and yields one write per
// changed document at the end: a batch of thousands of events touching a few documents costs a few
// reads and writes, which is what keeps it inside Convex's transaction limits.
import type * as z from "zod";
import { describeIssues } from "./describe-issues.ts";
import { deepFreeze, sameValue } from "./document-values.ts";
import type { KeyEncoder } from "./read-model-key.ts";
import type { ReadModelStorage, ReadModelWrite } from "./read-model-storage.ts";

/** What a handler sees as `ctx.readModel`. Documents handed out are frozen: return a new one. */
export interface ReadModel<Doc, Key> {
  /** The document, or null when there is none. */
  get(key: Key): Promise<Doc | null>;
  /** Replaces the document with `change(current)`, starting from the projection's `initial(key)`. */
  update(key: Key, change: (doc: Doc) => Doc): Promise<Doc>;
  delete(key: Key): Promise<void>;
}

export interface KeyedReadModelOptions<Key, Doc> {
  storage: ReadModelStorage<Doc>;
  /** Also applied to every new document: its key fields must still name the key it is stored under. */
  encodeKey: KeyEncoder<Key>;
  initial: (key: Key) => Doc;
  /** Every document a handler produces is validated (and normalised) by it. */
  schema: z.ZodType<Doc>;
}

interface Entry<Doc> {
  readonly key: string;
  /** As loaded: the baseline for deciding the write. */
  readonly stored: Doc | null;
  current: Doc | null;
}

export class KeyedReadModel<Key, Doc extends Key> implements ReadModel<Doc, Key> {
  readonly #options: KeyedReadModelOptions<Key, Doc>;
  readonly #entries = new Map<string, Entry<Doc>>();
  readonly #loading = new Map<string, Promise<Entry<Doc>>>();
  // The undo journal of the current event, as parallel arrays (entry, value before the change).
  readonly #changedEntries: Entry<Doc>[] = [];
  readonly #previousValues: (Doc | null)[] = [];
  #storageFailure: { error: unknown } | null = null;

  constructor(options: KeyedReadModelOptions<Key, Doc>) {
    this.#options = options;
  }

  /** Set when a storage load threw: the batch must fail as a whole, whatever the handler did with the error. */
  get storageFailure(): { error: unknown } | null {
    return this.#storageFailure;
  }

  /** Loads, in one storage call, the keys (already encoded) that are not loaded yet. */
  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const key of keys) if (!this.#entries.has(key) && !this.#loading.has(key)) missing.push(key);
    if (missing.length > 0) await this.#load(missing);
  }

  async get(key: Key): Promise<Doc | null> {
    const encoded = this.#options.encodeKey(key);
    const entry = this.#entries.get(encoded) ?? (await this.#loadOne(encoded));
    return entry.current;
  }

  async update(key: Key, change: (doc: Doc) => Doc): Promise<Doc> {
    const encoded = this.#options.encodeKey(key);
    const entry = this.#entries.get(encoded) ?? (await this.#loadOne(encoded));
    const before = entry.current ?? deepFreeze(this.#checked(encoded, this.#options.initial(key)));
    const after = change(before);
    const next = after === before ? before : deepFreeze(this.#checked(encoded, after));
    this.#record(entry, next);
    return next;
  }

  async delete(key: Key): Promise<void> {
    const encoded = this.#options.encodeKey(key);
    const entry = this.#entries.get(encoded) ?? (await this.#loadOne(encoded));
    this.#record(entry, null);
  }

  /** Starts the undo journal of one event. */
  beginEvent(): void {
    this.#changedEntries.length = 0;
    this.#previousValues.length = 0;
  }

  /** Reverts what the current event changed (its handler failed and the batch goes on without it). */
  undoEvent(): void {
    for (let index = this.#changedEntries.length - 1; index >= 0; index--) {
      (this.#changedEntries[index] as Entry<Doc>).current = this.#previousValues[index] as Doc | null;
    }
    this.beginEvent();
  }

  /** One write per document whose final state differs from the loaded one, in first-touch order. */
  writes(): ReadModelWrite<Doc>[] {
    const writes: ReadModelWrite<Doc>[] = [];
    for (const { key, stored, current } of this.#entries.values()) {
      if (current === null) {
        if (stored !== null) writes.push({ op: "delete", key });
      } else if (stored === null) {
        writes.push({ op: "insert", key, doc: current });
      } else if (!sameValue(stored, current)) {
        writes.push({ op: "replace", key, doc: current });
      }
    }
    return writes;
  }

  #record(entry: Entry<Doc>, value: Doc | null): void {
    this.#changedEntries.push(entry);
    this.#previousValues.push(entry.current);
    entry.current = value;
  }

  #checked(key: string, doc: Doc): Doc {
    const parsed = this.#options.schema.safeParse(doc);
    if (!parsed.success) {
      throw new Error(`read-model document ${key} would be invalid: ${describeIssues("document", parsed.error.issues)}`);
    }
    const storedUnder = this.#options.encodeKey(parsed.data);
    if (storedUnder !== key) {
      throw new Error(`read-model document ${key} would change its key fields to ${storedUnder}`);
    }
    return parsed.data;
  }

  #loadOne(key: string): Promise<Entry<Doc>> {
    let pending = this.#loading.get(key);
    if (pending === undefined) {
      pending = this.#load([key]).then(() => this.#entries.get(key) as Entry<Doc>);
      this.#loading.set(key, pending);
    }
    return pending;
  }

  async #load(keys: string[]): Promise<void> {
    let loaded: ReadonlyMap<string, Doc | null>;
    try {
      loaded = await this.#options.storage.load(keys);
    } catch (error) {
      this.#storageFailure ??= { error };
      throw error;
    } finally {
      for (const key of keys) this.#loading.delete(key);
    }
    for (const key of keys) {
      if (this.#entries.has(key)) continue;
      const stored = deepFreeze(loaded.get(key) ?? null);
      this.#entries.set(key, { key, stored, current: stored });
    }
  }
}
