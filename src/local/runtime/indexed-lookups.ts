// Indexed lookups for convex-test's in-memory database, installed by the local runtime. convex-test answers every query, index range or not, by
// listing every document of every table and sorting what matches, so a handler's lookup of one
// read-model document costs O(all documents) and a rebuild writing a large read model slows down
// quadratically (sessionSummary over 100k events: ~500 s instead of ~4 s). This keeps, per
// database, the ids of each table and, for each declared index, the ids by full key, and hands
// convex-test those candidates for a query with equality on every field of an index (and the
// table's own documents for any other query), and pages through an index prefix from a list kept
// in index order; convex-test still filters and sorts what it is handed itself, so answers are
// unchanged.
import { patchDatabaseClass } from "../../convex-test/database-class.ts";
import { compareValues, jsonToConvex, type JSONValue, type Value } from "convex/values";

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
  /** Bumped by every committed change to a table: what ordered lists were built at. */
  tableVersions: Map<string, number>;
  /** Documents of one index prefix in index order, by `index name + prefix key`. */
  ordered: Map<string, OrderedDocuments>;
}

interface OrderedDocuments {
  table: string;
  version: number;
  /** Sorted by `keys`: the index fields, `_creationTime`, `_id` (convex-test's cursor keys). */
  entries: Array<{ id: string; keys: unknown[] }>;
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
  paginate(args: PaginateArgs): unknown;
  [INDEXES]?: DatabaseIndexes;
  [CANDIDATES]?: Iterable<string>;
}

interface QueryWithSource {
  source: {
    type: string;
    indexName?: string;
    order?: string | null;
    range?: Array<{ type: string; fieldPath: string; value: JSONValue }>;
  };
  operators?: Array<Record<string, unknown>>;
}

interface PaginateArgs {
  query: QueryWithSource;
  cursor: string | null;
  endCursor?: string | null;
  pageSize: number;
}

const INDEXES = Symbol("reproject.indexes");
const CANDIDATES = Symbol("reproject.candidates");

/** convex-test's ids are `<counter><table>`. */
function tableOfId(id: string): string | null {
  const counter = /^[0-9]+/.exec(id);
  return !counter || counter[0].length === id.length ? null : id.slice(counter[0].length);
}

function fieldValue(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split("."))
    value = value !== null && typeof value === "object" ? (value as Document)[part] : undefined;
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

/** Ids of the table's documents written by the open transactions, not committed yet. */
function* uncommittedIds(db: FakeDatabase, table: string): Generator<string> {
  for (const layer of db._writes) for (const id of Object.keys(layer)) if (tableOfId(id) === table) yield id;
}

/** Follows one document's change (`before` → `after`, either absent) in the table's ids and index keys. */
function reindex(
  indexes: DatabaseIndexes,
  id: string,
  before: Document | undefined,
  after: Document | undefined,
): void {
  const table = tableOfId(id);
  if (table === null) return;
  indexes.tableVersions.set(table, (indexes.tableVersions.get(table) ?? 0) + 1);
  let tableIds = indexes.idsByTable.get(table);
  if (!tableIds) indexes.idsByTable.set(table, (tableIds = new Set()));
  if (after) tableIds.add(id);
  else tableIds.delete(id);
  for (const index of indexes.declaredByTable.get(table) ?? []) {
    const keyOf = (document: Document | undefined) =>
      document ? indexKey(index.fields.map((field) => fieldValue(document, field))) : null;
    const [oldKey, newKey] = [keyOf(before), keyOf(after)];
    // Most commits replace a document without touching its indexed fields.
    if (oldKey === newKey) continue;
    if (oldKey !== null) forgetId(index.idsByKey, oldKey, id);
    if (newKey === null) continue;
    let ids = index.idsByKey.get(newKey);
    if (!ids) index.idsByKey.set(newKey, (ids = new Set()));
    ids.add(id);
  }
}

/** Drops `id` from the key's ids, and the key once no document has it: keys come and go with documents. */
function forgetId(idsByKey: Map<string, Set<string>>, key: string, id: string): void {
  const ids = idsByKey.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) idsByKey.delete(key);
}

/** Indexes a database's committed documents, the first time it is queried. */
function indexDatabase(db: FakeDatabase): DatabaseIndexes {
  const indexes: DatabaseIndexes = {
    idsByTable: new Map(),
    declaredByTable: new Map(),
    declared: new Map(),
    tableVersions: new Map(),
    ordered: new Map(),
  };
  for (const [table, schema] of db._schema?.tables ?? []) {
    const declared = (schema.indexes ?? []).map(({ indexDescriptor, fields }) => ({
      name: `${table}.${indexDescriptor}`,
      fields,
      idsByKey: new Map(),
    }));
    indexes.declaredByTable.set(table, declared);
    for (const index of declared) indexes.declared.set(index.name, index);
  }
  for (const [id, document] of Object.entries(db._documents)) reindex(indexes, id, undefined, document);
  return (db[INDEXES] = indexes);
}

function addIndexedLookups(prototype: FakeDatabase): void {
  const { commit, _resolveQuerySource: resolveQuerySource, paginate } = prototype;
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
    for (const id of uncommittedIds(this, table)) ids.add(id);
    for (const id of ids) {
      const document = this.get(table, id);
      if (document !== null) callback(document);
    }
  };
  prototype._resolveQuerySource = function (this: FakeDatabase, query) {
    const { type, indexName, range = [] } = query.source;
    const index =
      type === "IndexRange" && indexName ? (this[INDEXES] ?? indexDatabase(this)).declared.get(indexName) : undefined;
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
  // Paging through an index prefix (all documents of one read-model generation): convex-test sorts
  // every document of the prefix for each page; hand it only the page's documents after the cursor.
  prototype.paginate = function (this: FakeDatabase, args) {
    const window = pageWindow(this, args);
    if (window === null) return paginate.call(this, args);
    this[CANDIDATES] = window;
    try {
      return paginate.call(this, args);
    } finally {
      this[CANDIDATES] = undefined;
    }
  };
}

/**
 * The ids of the page's documents (one more than the page, so convex-test can tell whether the end
 * is reached) for an ascending, unfiltered page over equality on a prefix of a declared index, with
 * nothing uncommitted in the table; null for any other page, which convex-test answers by itself.
 */
function pageWindow(db: FakeDatabase, { query, cursor, endCursor, pageSize }: PaginateArgs): string[] | null {
  const { type, indexName, order, range = [] } = query.source;
  if (type !== "IndexRange" || !indexName || (order ?? "asc") !== "asc") return null;
  if ((endCursor && endCursor !== "_end_cursor") || query.operators?.some((operator) => "filter" in operator))
    return null;
  const indexes = db[INDEXES] ?? indexDatabase(db);
  const index = indexes.declared.get(indexName);
  if (!index || range.length >= index.fields.length) return null;
  if (!range.every((bound, position) => bound.type === "Eq" && bound.fieldPath === index.fields[position])) return null;
  const table = indexName.slice(0, indexName.indexOf("."));
  if (!uncommittedIds(db, table).next().done) return null;
  const prefix = range.map((bound) => jsonToConvex(bound.value));
  const prefixKey = indexKey(prefix);
  if (prefixKey === null) return null;
  const entries = orderedDocuments(db, indexes, index, table, prefix, prefixKey);
  if (cursor === "_end_cursor") return [];
  let start = 0;
  if (cursor !== null) {
    const after = (JSON.parse(cursor) as Array<string | null>).map((key) =>
      key === null ? undefined : jsonToConvex(JSON.parse(key) as JSONValue),
    );
    // The first entry after the cursor: binary search on the sort keys.
    let end = entries.length;
    while (start < end) {
      const middle = (start + end) >>> 1;
      if (compareKeys(entries[middle]!.keys, after) <= 0) start = middle + 1;
      else end = middle;
    }
  }
  return entries.slice(start, start + pageSize + 1).map((entry) => entry.id);
}

function orderedDocuments(
  db: FakeDatabase,
  indexes: DatabaseIndexes,
  index: DeclaredIndex,
  table: string,
  prefix: unknown[],
  prefixKey: string,
) {
  const cacheKey = `${index.name}\u0000${prefixKey}`;
  const version = indexes.tableVersions.get(table) ?? 0;
  const cached = indexes.ordered.get(cacheKey);
  if (cached?.version === version) return cached.entries;
  const sortFields = [...index.fields, "_creationTime", "_id"];
  const entries: OrderedDocuments["entries"] = [];
  for (const id of indexes.idsByTable.get(table) ?? []) {
    const document = db._documents[id];
    if (
      !document ||
      !prefix.every(
        (value, position) =>
          compareValues(fieldValue(document, index.fields[position]!) as Value, value as Value) === 0,
      )
    )
      continue;
    entries.push({ id, keys: sortFields.map((field) => fieldValue(document, field)) });
  }
  entries.sort((a, b) => compareKeys(a.keys, b.keys));
  // Lists built before the table last changed are of no further use.
  for (const [key, list] of indexes.ordered)
    if (list.table === table && list.version !== version) indexes.ordered.delete(key);
  indexes.ordered.set(cacheKey, { table, version, entries });
  return entries;
}

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compareValues(a[i] as Value | undefined, b[i] as Value | undefined);
    if (order !== 0) return order;
  }
  return 0;
}

/** Called as the runtime starts (idempotent). */
export function installIndexedLookups(): void {
  patchDatabaseClass("indexed lookups", (prototype) => addIndexedLookups(prototype as FakeDatabase));
}
