import { ArchiveError } from "../errors.ts";
import { LocalObjectStore } from "./local-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { parseS3Url, S3ObjectStore, s3OptionsFromEnv, type S3StoreOptions } from "./s3-store.ts";

/** Opens the store for a table location: `s3://bucket/prefix` or a local directory (or `file://` URL). */
export function openObjectStore(location: string, s3Options: S3StoreOptions = s3OptionsFromEnv()): ObjectStore {
  if (/^s3a?:\/\//.test(location)) return new S3ObjectStore(parseS3Url(location), s3Options);
  if (/^https?:\/\//.test(location)) {
    // A REST catalog table is read through the catalog; writing (archiver, import, generate) needs the files' own location.
    throw new ArchiveError(
      location,
      "is a REST catalog table, which Reproject reads but cannot write: point the archiver, import or generate at a table directory or s3://bucket/prefix",
    );
  }
  if (location.startsWith("file://")) return new LocalObjectStore(new URL(location).pathname);
  return new LocalObjectStore(location);
}
