// Deleting the files maintenance has decided to remove: a few at a time, progress after each, and a
// failed delete counted rather than thrown, so the others still go (the next run retries it).
import type { ObjectStore } from "../store/object-store.ts";
import { mapConcurrently } from "../concurrency.ts";

export interface DeletionProgress {
  filesDeleted: number;
  filesToDelete: number;
}

export interface DeletionOptions<T> {
  keyOf: (item: T) => string;
  /** Delete nothing; every item counts as deleted. */
  dryRun?: boolean | undefined;
  onProgress?: ((progress: DeletionProgress) => void) | undefined;
  /** Called for each item whose file is gone (or, on a dry run, would be). */
  deleted: (item: T) => void;
}

/** Deletes the items' files; returns how many deletes failed. */
export async function deleteFiles<T>(store: ObjectStore, items: readonly T[], options: DeletionOptions<T>): Promise<number> {
  const progress: DeletionProgress = { filesDeleted: 0, filesToDelete: items.length };
  let failures = 0;
  options.onProgress?.({ ...progress });
  await mapConcurrently(items, async (item) => {
    if (!options.dryRun) {
      try {
        await store.delete(options.keyOf(item));
      } catch {
        failures++;
        return;
      }
    }
    options.deleted(item);
    progress.filesDeleted++;
    options.onProgress?.({ ...progress });
  });
  return failures;
}
