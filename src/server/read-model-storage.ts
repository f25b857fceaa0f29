// The registry's ReadModelStorage on Convex: documents of one projection generation, found by the
// (generation, key) index, written back once per key at the end of a batch.
import type { GenericDatabaseReader, GenericDatabaseWriter } from "convex/server";
import type { GenericId } from "convex/values";
import type { ReadModelStorage, ReadModelWrite } from "../registry/index.ts";
import { GENERATION_KEY_INDEX } from "./tables.ts";

// Any app's database: which read-model table is known only at run time, so access is untyped.
type Db = GenericDatabaseReader<any>;
type StoredDocument = {
  _id: GenericId<string>;
  _creationTime: number;
  generation: number;
  key: string;
  document: Record<string, unknown>;
};

type IndexRange = { eq(field: string, value: unknown): IndexRange; gt(field: string, value: unknown): unknown };
type ReadModelQuery = {
  withIndex(
    index: string,
    range: (q: IndexRange) => unknown,
  ): AsyncIterable<StoredDocument> & {
    take(n: number): Promise<StoredDocument[]>;
    unique(): Promise<StoredDocument | null>;
    paginate(options: {
      cursor: string | null;
      numItems: number;
    }): Promise<{ page: StoredDocument[]; isDone: boolean; continueCursor: string }>;
  };
};

function readModelTable(db: Db, table: string): ReadModelQuery {
  return (db as unknown as { query(name: string): ReadModelQuery }).query(table);
}

/** A generation of a read-model table in key order, after `afterKey` when given. */
export function generationRows(db: Db, table: string, generation: number, afterKey: string | null = null) {
  return readModelTable(db, table).withIndex(GENERATION_KEY_INDEX, (q) =>
    afterKey === null ? q.eq("generation", generation) : q.eq("generation", generation).gt("key", afterKey),
  );
}

export async function findReadModelDocument(
  db: Db,
  projection: string,
  generation: number,
  key: string,
): Promise<StoredDocument | null> {
  return readModelTable(db, projection)
    .withIndex(GENERATION_KEY_INDEX, (q) => q.eq("generation", generation).eq("key", key))
    .unique();
}

export function documentFields(stored: Pick<StoredDocument, "document">): Record<string, unknown> {
  return stored.document;
}

export class ConvexReadModelStorage<Doc> implements ReadModelStorage<Doc> {
  private readonly ids = new Map<string, GenericId<string>>();

  constructor(
    private readonly db: GenericDatabaseWriter<any>,
    private readonly projection: string,
    private readonly generation: number,
  ) {}

  async load(keys: readonly string[]): Promise<ReadonlyMap<string, Doc | null>> {
    const found = await Promise.all(
      keys.map((key) => findReadModelDocument(this.db, this.projection, this.generation, key)),
    );
    const documents = new Map<string, Doc | null>();
    keys.forEach((key, index) => {
      const stored = found[index] ?? null;
      if (stored) this.ids.set(key, stored._id);
      documents.set(key, stored ? (documentFields(stored) as Doc) : null);
    });
    return documents;
  }

  async write(writes: readonly ReadModelWrite<Doc>[]): Promise<void> {
    const db = this.db as unknown as {
      insert(table: string, doc: object): Promise<GenericId<string>>;
      replace(id: GenericId<string>, doc: object): Promise<void>;
      delete(id: GenericId<string>): Promise<void>;
    };
    for (const write of writes) {
      const id = this.ids.get(write.key);
      if (write.op === "delete") {
        if (id) await db.delete(id);
        continue;
      }
      const document = { generation: this.generation, key: write.key, document: write.doc as object };
      if (write.op === "replace" && id) await db.replace(id, document);
      else this.ids.set(write.key, await db.insert(this.projection, document));
    }
  }
}
