// Archive errors carry the file they are about and say what was wrong; the message is complete on
// its own (`<file>: <problem>`), so a failed rebuild can show it as is.

export class ArchiveError extends Error {
  override name = "ArchiveError";
  constructor(
    readonly file: string | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(file ? `${file}: ${problem}` : problem, options);
  }
}

/** The table, a metadata file or a file the metadata references does not exist. */
export class ArchiveNotFoundError extends ArchiveError {
  override name = "ArchiveNotFoundError";
}

/**
 * Nothing at all at a table location (a directory or an object-store prefix): no metadata/ folder,
 * or an empty one. The archiver creates the table there on its first run; until then there is no
 * archive yet. A location that names a metadata file, a bucket or a catalog table that is missing is
 * an ArchiveNotFoundError, not this.
 */
export class NoTableYetError extends ArchiveNotFoundError {
  override name = "NoTableYetError";
}

/** A file exists but cannot be what the metadata says it is (bad magic, truncated, bad JSON/Avro/Parquet). */
export class CorruptArchiveError extends ArchiveError {
  override name = "CorruptArchiveError";
}

/** A valid Iceberg feature this reader does not implement; reading on would give wrong answers. */
export class UnsupportedArchiveFeatureError extends ArchiveError {
  override name = "UnsupportedArchiveFeatureError";
}

/** The table's columns cannot carry the app's event envelope (a declared column missing or of another type). */
export class EnvelopeMismatchError extends ArchiveError {
  override name = "EnvelopeMismatchError";
}

/** A path in the metadata points outside the table location. */
export class ForeignPathError extends ArchiveError {
  override name = "ForeignPathError";
}

/** Another writer committed first: the file this commit wanted to create already exists. */
export class CommitConflictError extends ArchiveError {
  override name = "CommitConflictError";
}

/**
 * A commit's create-only put answered "exists" and the object could not be read back to tell whose
 * it is: the commit may have landed (a retried put whose first attempt did), so nothing it wrote was
 * removed. Reload the table and look for its snapshot before committing again.
 */
export class CommitOutcomeUnknownError extends ArchiveError {
  override name = "CommitOutcomeUnknownError";
}

/** A store request failed in a way worth retrying (5xx, timeout, reset); thrown after the retries ran out. */
export class TransientStoreError extends ArchiveError {
  override name = "TransientStoreError";
}

export function isTransientStoreError(error: unknown): error is TransientStoreError {
  return error instanceof TransientStoreError;
}
