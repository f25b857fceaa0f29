// The read-model API handlers use. A batch loads each document once (prefetched in one storage
// call, or on first access), folds every event into an in-memory copy, and yields one write per
// changed document at the end: a batch of thousands of events touching a few documents costs a few
// reads and writes, which is what keeps it inside Convex's transaction limits. Documents are
// validated once, at the end, like Convex validates on write: per event it would cost more than
// the rest of the pipeline for a document of a few fields.
import type * as z from "zod";
import { describeIssues } from "./describe-issues.ts";
import { sameValue } from "./document-values.ts";
import { KeyTable, type KeyEncoder } from "./read-model-key.ts";
import type { ReadModelStorage, ReadModelWrite } from "./read-model-storage.ts";

/**
 * What a handler sees as `ctx.readModel`. Documents handed out are read-only: the batch keeps them
 * to detect changes and to undo a failed event, so `change` returns a new document.
 */
export interface ReadModel<Doc, Key> {
  /** The document, or null when there is none. */
  get(key: Key): Promise<Readonly<Doc> | null>;
  /**
   * Replaces the document with `change(current)`, starting from the projection's `initial(key)`.
   * In hot handlers, list the fields in the new document: V8 runs `{ ...doc, count: n }` (a spread
   * that overrides a field) about fifty times slower, which dominates a batch at a million events/s.
   */
  update(key: Key, change: (doc: Readonly<Doc>) => Doc): Promise<Readonly<Doc>>;
  delete(key: Key): Promise<void>;
}

export interface KeyedReadModelOptions<Key, Doc> {
  storage: ReadModelStorage<Doc>;
  encodeKey: KeyEncoder<Key>;
  /** A document's key fields must keep the values of the key it is stored under. */
  keyFields: readonly (keyof Key & string)[];
  initial: (key: Key) => Doc;
  /** Every document written is validated (and normalised) by it. */
  schema: z.ZodType<Doc>;
}

/** The documents to write, or the first one that would be invalid and the last event that changed it. */
export type BatchWrites<Doc> =
  { ok: true; writes: ReadModelWrite<Doc>[] } | { ok: false; eventIndex: number; reason: string };

interface Entry<Key, Doc> {
  readonly key: Key;
  /** The encoded storage key. */
  readonly encoded: string;
  /** As loaded: the baseline for deciding the write. */
  readonly stored: Doc | null;
  current: Doc | null;
  /** Index in the batch of the event that last changed it, -1 for none. */
  changedBy: number;
}

export class KeyedReadModel<Key, Doc extends Key> implements ReadModel<Doc, Key> {
  readonly #options: KeyedReadModelOptions<Key, Doc>;
  readonly #entries: KeyTable<Key, Entry<Key, Doc>>;
  /** The same entries in first-load order, the order of the writes. */
  readonly #loadedEntries: Entry<Key, Doc>[] = [];
  readonly #loading = new Map<string, Promise<Entry<Key, Doc>>>();
  #eventIndex = -1;
  // The current event's undo journal: parallel arrays (entry, its value and changedBy before the
  // change) whose used length is #journalLength, so starting an event reallocates nothing.
  readonly #changedEntries: Entry<Key, Doc>[] = [];
  readonly #previousValues: (Doc | null)[] = [];
  readonly #previousChangedBy: number[] = [];
  #journalLength = 0;
  #storageFailure: { error: unknown } | null = null;

  constructor(options: KeyedReadModelOptions<Key, Doc>) {
    this.#options = options;
    this.#entries = new KeyTable(options.keyFields);
  }

  /** Set when a storage load threw: the batch must fail as a whole, whatever the handler did with the error. */
  get storageFailure(): { error: unknown } | null {
    return this.#storageFailure;
  }

  /** Loads, in one storage call, those of `keys` that are not loaded yet (duplicates are fine): a hint, never an error. */
  async prefetch(keys: Iterable<Key>): Promise<void> {
    const missing = new KeyTable<Key, true>(this.#options.keyFields);
    const toLoad: { key: Key; encoded: string }[] = [];
    for (const key of keys) {
      if (this.#entries.get(key) !== undefined || missing.get(key) !== undefined) continue;
      let encoded: string;
      try {
        encoded = this.#options.encodeKey(key);
      } catch {
        continue; // a malformed key: the handler that uses it meets the same error, on its own event
      }
      if (this.#loading.has(encoded)) continue;
      missing.set(key, true);
      toLoad.push({ key, encoded });
    }
    if (toLoad.length > 0) await this.#load(toLoad);
  }

  async get(key: Key): Promise<Readonly<Doc> | null> {
    const entry = this.#entries.get(key) ?? (await this.#loadOne(key));
    return entry.current;
  }

  async update(key: Key, change: (doc: Readonly<Doc>) => Doc): Promise<Readonly<Doc>> {
    const entry = this.#entries.get(key) ?? (await this.#loadOne(key));
    const next = change(entry.current ?? this.#options.initial(key));
    this.#record(entry, next);
    return next;
  }

  async delete(key: Key): Promise<void> {
    const entry = this.#entries.get(key) ?? (await this.#loadOne(key));
    this.#record(entry, null);
  }

  /** Starts the undo journal of the event at `eventIndex` in the batch. */
  beginEvent(eventIndex: number): void {
    this.#eventIndex = eventIndex;
    this.#journalLength = 0;
  }

  /** Reverts what the current event changed (its handler failed and the batch goes on without it). */
  undoEvent(): void {
    for (let index = this.#journalLength - 1; index >= 0; index--) {
      const entry = this.#changedEntries[index] as Entry<Key, Doc>;
      entry.current = this.#previousValues[index] as Doc | null;
      entry.changedBy = this.#previousChangedBy[index] as number;
    }
    this.#journalLength = 0;
  }

  /**
   * One write per document whose final state differs from the loaded one, in first-load order,
   * each validated by the schema (which may normalise it) and still carrying its key's values.
   */
  writes(): BatchWrites<Doc> {
    const writes: ReadModelWrite<Doc>[] = [];
    for (const entry of this.#loadedEntries) {
      const { encoded, stored, current } = entry;
      if (current === null) {
        if (stored !== null) writes.push({ op: "delete", key: encoded });
        continue;
      }
      if (current === stored) continue;
      const checked = this.#check(entry, current);
      if ("reason" in checked) return { ok: false, eventIndex: entry.changedBy, reason: checked.reason };
      if (stored === null) writes.push({ op: "insert", key: encoded, doc: checked.doc });
      else if (!sameValue(stored, checked.doc)) writes.push({ op: "replace", key: encoded, doc: checked.doc });
    }
    return { ok: true, writes };
  }

  /**
   * Why a document the current event changed is invalid, or null: validation after each event, for
   * finding which event left a document invalid (the batch validates once, in `writes`).
   */
  eventProblem(): string | null {
    for (let index = 0; index < this.#journalLength; index++) {
      const entry = this.#changedEntries[index] as Entry<Key, Doc>;
      if (entry.current === null || entry.current === entry.stored) continue;
      const checked = this.#check(entry, entry.current);
      if ("reason" in checked) return checked.reason;
    }
    return null;
  }

  /** The document as the schema validates (and normalises) it, still carrying its key's values. */
  #check(entry: Entry<Key, Doc>, current: Doc): { doc: Doc } | { reason: string } {
    const parsed = this.#options.schema.safeParse(current);
    if (!parsed.success) {
      return {
        reason: `read-model document ${entry.encoded} is invalid: ${describeIssues("document", parsed.error.issues)}`,
      };
    }
    const doc = parsed.data;
    for (const field of this.#options.keyFields) {
      if (doc[field] !== entry.key[field]) {
        return {
          reason: `read-model document ${entry.encoded} has its key field ${field} changed to ${JSON.stringify(doc[field])}`,
        };
      }
    }
    return { doc };
  }

  #record(entry: Entry<Key, Doc>, value: Doc | null): void {
    this.#changedEntries[this.#journalLength] = entry;
    this.#previousValues[this.#journalLength] = entry.current;
    this.#previousChangedBy[this.#journalLength] = entry.changedBy;
    this.#journalLength++;
    entry.current = value;
    entry.changedBy = this.#eventIndex;
  }

  /** Loads a key a handler touches without having prefetched it (validating its fields on the way). */
  #loadOne(key: Key): Promise<Entry<Key, Doc>> {
    const encoded = this.#options.encodeKey(key);
    let pending = this.#loading.get(encoded);
    if (pending === undefined) {
      pending = this.#load([{ key, encoded }]).then(() => this.#entries.get(key) as Entry<Key, Doc>);
      this.#loading.set(encoded, pending);
    }
    return pending;
  }

  async #load(keys: readonly { key: Key; encoded: string }[]): Promise<void> {
    let loaded: ReadonlyMap<string, Doc | null>;
    try {
      loaded = await this.#options.storage.load(keys.map(({ encoded }) => encoded));
    } catch (error) {
      this.#storageFailure ??= { error };
      throw error;
    } finally {
      for (const { encoded } of keys) this.#loading.delete(encoded);
    }
    for (const { key, encoded } of keys) {
      if (this.#entries.get(key) !== undefined) continue;
      const stored = loaded.get(encoded) ?? null;
      const entry: Entry<Key, Doc> = { key, encoded, stored, current: stored, changedBy: -1 };
      this.#entries.set(key, entry);
      this.#loadedEntries.push(entry);
    }
  }
}
