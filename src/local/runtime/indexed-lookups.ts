// Indexed lookups for convex-test's in-memory database, installed by the local runtime. convex-test answers every query, index range or not, by
// listing every document of every table and sorting what matches, so a handler's lookup of one
// read-model document costs O(all documents) and a rebuild writing a large read model slows down
// quadratically (sessionSummary over 100k events: ~500 s instead of ~4 s). This keeps, per
// database, the ids of each table and, for each declared index, the ids by full key, and hands
// convex-test those candidates for a query with equality on every field of an index (and the
// table's own documents for any other query); convex-test still filters and sorts them itself, so
// answers are unchanged.
import { AsyncLocalStorage } from "node:async_hooks";
import { jsonToConvex, type JSONValue } from "convex/values";

type Document = Record<string, unknown>;

interface DeclaredIndex {
  fields: string[];
  /** By `table.index`, as query sources name them. */
  name: string;
  idsByKey: Map<string, Set<string>>;
}

interface DatabaseIndexes {
  idsByTable: Map<string, Set<string>>;
  declaredByTable: Map<string, DeclaredIndex[]>;
  declared: Map<string, DeclaredIndex>;
}

/** What this reads of convex-test's DatabaseFake (dist/index.js, 0.0.60). */
interface FakeDatabase {
  _documents: Record<string, Document>;
  _writes: Array<Record<string, Document | null>>;
  _schema: { tables: Map<string, { indexes?: Array<{ indexDescriptor: string; fields: string[] }> }> } | null;
  get(table: string, id: string): Document | null;
  commit(...args: unknown[]): void;
  _iterateDocs(table: string, callback: (document: Document) => void): void;
  _resolveQuerySource(query: QueryWithSource): unknown;
  [INDEXES]?: DatabaseIndexes;
  [CANDIDATES]?: Iterable<string>;
  [PATCHED]?: true;
}

interface QueryWithSource {
  source: { type: string; indexName?: string; range?: Array<{ type: string; fieldPath: string; value: JSONValue }> };
}

const INDEXES = Symbol("reproject.indexes");
const CANDIDATES = Symbol("reproject.candidates");
const PATCHED = Symbol.for("reproject.indexedLookups");

/** convex-test's ids are `<counter><table>`. */
function tableOfId(id: string): string | null {
  const counter = /^[0-9]+/.exec(id);
  return !counter || counter[0].length === id.length ? null : id.slice(counter[0].length);
}

function fieldValue(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split(".")) value = value !== null && typeof value === "object" ? (value as Document)[part] : undefined;
  return value;
}

/** A key for index values, or null for values this index does not handle (then the query scans the table). */
function indexKey(values: unknown[]): string | null {
  const parts: string[] = [];
  for (const value of values) {
    if (typeof value === "string") parts.push(`s${value}`);
    else if (typeof value === "number") parts.push(`f${Object.is(value, -0) ? 0 : value}`);
    else if (typeof value === "bigint") parts.push(`i${value}`);
    else if (typeof value === "boolean") parts.push(`b${value}`);
    else if (value === null) parts.push("n");
    else if (value === undefined) parts.push("u");
    else return null;
  }
  return parts.join("\u0000");
}

/** Follows one document's change (`before` → `after`, either absent) in the table's ids and index keys. */
function reindex(indexes: DatabaseIndexes, id: string, before: Document | undefined, after: Document | undefined): void {
  const table = tableOfId(id);
  if (table === null) return;
  let tableIds = indexes.idsByTable.get(table);
  if (!tableIds) indexes.idsByTable.set(table, (tableIds = new Set()));
  if (after) tableIds.add(id);
  else tableIds.delete(id);
  for (const index of indexes.declaredByTable.get(table) ?? []) {
    const keyOf = (document: Document | undefined) => (document ? indexKey(index.fields.map((field) => fieldValue(document, field))) : null);
    const [oldKey, newKey] = [keyOf(before), keyOf(after)];
    // Most commits replace a document without touching its indexed fields.
    if (oldKey === newKey) continue;
    if (oldKey !== null) index.idsByKey.get(oldKey)?.delete(id);
    if (newKey === null) continue;
    let ids = index.idsByKey.get(newKey);
    if (!ids) index.idsByKey.set(newKey, (ids = new Set()));
    ids.add(id);
  }
}

/** Indexes a database's committed documents, the first time it is queried. */
function indexDatabase(db: FakeDatabase): DatabaseIndexes {
  const indexes: DatabaseIndexes = { idsByTable: new Map(), declaredByTable: new Map(), declared: new Map() };
  for (const [table, schema] of db._schema?.tables ?? []) {
    const declared = (schema.indexes ?? []).map(({ indexDescriptor, fields }) => ({ name: `${table}.${indexDescriptor}`, fields, idsByKey: new Map() }));
    indexes.declaredByTable.set(table, declared);
    for (const index of declared) indexes.declared.set(index.name, index);
  }
  for (const [id, document] of Object.entries(db._documents)) reindex(indexes, id, undefined, document);
  return (db[INDEXES] = indexes);
}

function patchDatabaseClass(prototype: FakeDatabase): void {
  if (prototype[PATCHED]) return;
  prototype[PATCHED] = true;
  const { commit, _resolveQuerySource: resolveQuerySource } = prototype;
  // A top-level commit is the one place committed documents change: follow it in the indexes.
  prototype.commit = function (this: FakeDatabase, ...args) {
    const indexes = this[INDEXES];
    const committing = indexes && this._writes.length === 1 ? Object.keys(this._writes[0]!) : [];
    const before = committing.map((id) => this._documents[id]);
    commit.apply(this, args);
    committing.forEach((id, position) => reindex(indexes!, id, before[position], this._documents[id]));
  };
  prototype._iterateDocs = function (this: FakeDatabase, table, callback) {
    const indexes = this[INDEXES] ?? indexDatabase(this);
    const ids = new Set<string>(this[CANDIDATES] ?? indexes.idsByTable.get(table) ?? []);
    // Documents written by the open transactions are not committed yet: look at them as well.
    for (const layer of this._writes) for (const id of Object.keys(layer)) if (tableOfId(id) === table) ids.add(id);
    for (const id of ids) {
      const document = this.get(table, id);
      if (document !== null) callback(document);
    }
  };
  prototype._resolveQuerySource = function (this: FakeDatabase, query) {
    const { type, indexName, range = [] } = query.source;
    const index = type === "IndexRange" && indexName ? (this[INDEXES] ?? indexDatabase(this)).declared.get(indexName) : undefined;
    const onWholeKey =
      index !== undefined &&
      range.length === index.fields.length &&
      range.every((bound, position) => bound.type === "Eq" && bound.fieldPath === index.fields[position]);
    const key = onWholeKey ? indexKey(range.map((bound) => jsonToConvex(bound.value))) : null;
    if (key === null) return resolveQuerySource.call(this, query);
    this[CANDIDATES] = index!.idsByKey.get(key) ?? [];
    try {
      return resolveQuerySource.call(this, query);
    } finally {
      this[CANDIDATES] = undefined;
    }
  };
}

/**
 * Called as the runtime starts (idempotent). convex-test does not export its database class: it is found
 * through the context convex-test keeps in an AsyncLocalStorage, the first time a function runs,
 * and patched once for the process.
 */
export function installIndexedLookups(): void {
  if ((globalThis as { [PATCHED]?: true })[PATCHED]) return;
  (globalThis as { [PATCHED]?: true })[PATCHED] = true;
  const getStore = AsyncLocalStorage.prototype.getStore;
  AsyncLocalStorage.prototype.getStore = function (this: AsyncLocalStorage<unknown>) {
    const store = getStore.call(this) as { components?: Record<string, { db?: FakeDatabase }>; transactionManager?: unknown } | undefined;
    const db = store?.transactionManager ? store.components?.[""]?.db : undefined;
    if (db) {
      AsyncLocalStorage.prototype.getStore = getStore;
      patchDatabaseClass(Object.getPrototypeOf(db) as FakeDatabase);
    }
    return store;
  };
}
