import { LocalObjectStore } from "./local-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { parseS3Url, S3ObjectStore, s3OptionsFromEnv, type S3StoreOptions } from "./s3-store.ts";

/** Opens the store for a table location: `s3://bucket/prefix` or a local directory (or `file://` URL). */
export function openObjectStore(location: string, s3Options: S3StoreOptions = s3OptionsFromEnv()): ObjectStore {
  if (/^s3a?:\/\//.test(location)) return new S3ObjectStore(parseS3Url(location), s3Options);
  if (location.startsWith("file://")) return new LocalObjectStore(new URL(location).pathname);
  return new LocalObjectStore(location);
}
