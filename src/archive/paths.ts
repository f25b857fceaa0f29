// Metadata holds the writer's paths (s3a://bucket/x, s3://, gs://, file:///, or relative like
// `lineitem/data/...`). They are remapped to keys under wherever the table really is now.
import { ForeignPathError } from "./errors.ts";
import { normalizeKey } from "./store/object-store.ts";

/** Same bucket under s3, s3a and s3n; `file:` URLs become plain paths; `./x` becomes `x`. */
export function canonicalPath(path: string): string {
  return path
    .replace(/^s3[an]?:\/\//, "s3://")
    .replace(/^file:\/\/(localhost)?/, "")
    .replace(/^file:/, "")
    .replace(/^(\.\/)+/, "")
    .replace(/\/+$/, "");
}

/** The key of `path` relative to the table location recorded in the metadata; refuses paths outside it. */
export function tableKeyOf(path: string, tableLocation: string): string {
  const location = canonicalPath(tableLocation);
  const canonical = canonicalPath(path);
  if (location !== "" && canonical.startsWith(`${location}/`)) {
    const key = normalizeKey(canonical.slice(location.length + 1));
    if (key !== null && key !== "") return key;
  }
  throw new ForeignPathError(
    path,
    `is outside the table location ${tableLocation}; refusing to read a file the table does not own`,
  );
}
