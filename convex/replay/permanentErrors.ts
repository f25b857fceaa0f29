import { NonRetryableError } from "@convex-dev/workpool";
import { ArchiveError, TransientStoreError } from "../../src/archive/errors.ts";

/**
 * Runs a chunk's work; an archive error that retrying cannot fix (corrupt or missing file,
 * unsupported feature, foreign path) fails the chunk at once with its message, instead of being
 * retried by the Workpool like transient errors are.
 */
export async function failFastOnPermanentErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ArchiveError && !(error instanceof TransientStoreError)) {
      throw new NonRetryableError(error.message, { cause: error });
    }
    throw error;
  }
}
