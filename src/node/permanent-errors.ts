import { NonRetryableError } from "@convex-dev/workpool";
import { ArchiveError, TransientStoreError } from "../archive/errors.ts";
import { EnvelopeError } from "../registry/index.ts";

/**
 * Runs a chunk's work; an archive error that retrying cannot fix (corrupt or missing file,
 * unsupported feature, foreign path, an archive without the envelope's columns) or a filter that does
 * not fit the envelope fails the chunk at once with its message, instead of being retried by the
 * Workpool like transient errors are.
 */
export async function failFastOnPermanentErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error instanceof ArchiveError && !(error instanceof TransientStoreError)) || error instanceof EnvelopeError) {
      throw new NonRetryableError(error.message, { cause: error });
    }
    throw error;
  }
}
