// The storage side of a keyed read model: one batched load before or during a batch, and the
// writes it yields at the end. The Convex engine implements it with `ctx.db` and an index on the
// key; tests and the offline CLI use MemoryReadModelStorage.

export interface ReadModelStorage<Doc> {
  /**
   * The documents stored under `keys` (distinct, not already loaded in this batch). A key with no
   * document maps to null or is left out. Documents hold the projection's fields only (no system
   * fields); an implementation that needs ids to write keeps them itself, keyed like the result.
   * Throwing fails the batch as a whole (a transient error: the batch is retried, never dead-lettered).
   */
  load(keys: readonly string[]): Promise<ReadonlyMap<string, Doc | null>>;
}

/** At most one per key touched by a batch; a document left as it was loaded yields none. */
export type ReadModelWrite<Doc> =
  { op: "insert"; key: string; doc: Doc } | { op: "replace"; key: string; doc: Doc } | { op: "delete"; key: string };
