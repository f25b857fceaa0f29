// An in-memory read model: what the offline runtime dumps and what tests and benchmarks apply
// batches to.
import type { ReadModelStorage, ReadModelWrite } from "./read-model-storage.ts";

export class MemoryReadModelStorage<Doc> implements ReadModelStorage<Doc> {
  readonly #documents = new Map<string, Doc>();

  async load(keys: readonly string[]): Promise<ReadonlyMap<string, Doc | null>> {
    const found = new Map<string, Doc | null>();
    for (const key of keys) found.set(key, this.#documents.get(key) ?? null);
    return found;
  }

  applyWrites(writes: readonly ReadModelWrite<Doc>[]): void {
    for (const write of writes) {
      if (write.op === "delete") this.#documents.delete(write.key);
      else this.#documents.set(write.key, write.doc);
    }
  }

  get(key: string): Doc | undefined {
    return this.#documents.get(key);
  }

  get size(): number {
    return this.#documents.size;
  }

  /** Every document, sorted by key (the order of CLI dumps). */
  documents(): Doc[] {
    return [...this.#documents.keys()].sort().map((key) => this.#documents.get(key) as Doc);
  }
}
