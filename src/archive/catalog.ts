// Finding a table's current metadata: a table directory or s3:// prefix (version-hint.text, else the
// highest numbered metadata file), an explicit metadata file, or an Iceberg REST catalog.
import { gunzipSync } from "node:zlib";
import { ArchiveError, ArchiveNotFoundError, CorruptArchiveError, NoTableYetError } from "./errors.ts";
import { parseTableMetadata, type TableMetadata } from "./metadata.ts";
import { openObjectStore } from "./store/open-store.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { s3OptionsFromEnv, type S3StoreOptions } from "./store/s3-store.ts";
import { restCatalogSettingsFromEnv } from "./rest-catalog/catalog-settings.ts";
import { loadTableFromRestCatalog } from "./rest-catalog/rest-table.ts";
import { isRestTableReference, parseRestTableReference } from "./rest-catalog/table-reference.ts";

export interface LoadedTable {
  store: ObjectStore;
  metadata: TableMetadata;
  /** Key of the metadata file that was loaded, relative to the store root (`metadata/v3.metadata.json`). */
  metadataKey: string;
}

const METADATA_FILE = /^(?:v(\d+)|(\d+)-[^/]*?)(?:\.gz)?\.metadata\.json(?:\.gz)?$/;

/**
 * Opens a table from a directory, an `s3://bucket/prefix`, a path/URL ending in `.metadata.json`, or
 * a REST catalog (`http(s)://uri#ns.table`, configured by the ICEBERG_REST_* variables of `env`).
 * Without `s3Options`, S3 is reached with the S3_ENDPOINT and AWS_* variables of `env`.
 */
export async function loadTable(
  location: string,
  s3Options?: S3StoreOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedTable> {
  const storeOptions = s3Options ?? s3OptionsFromEnv(env);
  if (isRestTableReference(location)) {
    return loadTableFromRestCatalog(parseRestTableReference(location), restCatalogSettingsFromEnv(env), storeOptions);
  }
  const trimmed = location.replace(/\/+$/, "");
  const explicitFile = /\.metadata\.json(\.gz)?$/.test(trimmed);
  if (explicitFile) {
    const parts = trimmed.split("/");
    const fileName = parts.pop()!;
    if (parts.at(-1) !== "metadata") {
      throw new ArchiveError(location, "a metadata file must sit in the table's metadata/ folder");
    }
    parts.pop();
    const store = openObjectStore(parts.join("/") || ".", storeOptions);
    return loadMetadataFile(store, `metadata/${fileName}`);
  }
  const store = openObjectStore(trimmed, storeOptions);
  return loadMetadataFile(store, await findCurrentMetadataKey(store));
}

export async function loadMetadataFile(store: ObjectStore, metadataKey: string): Promise<LoadedTable> {
  const file = `${store.root}/${metadataKey}`;
  const bytes = await store.read(metadataKey);
  return { store, metadataKey, metadata: parseTableMetadata(decodeMetadataBytes(bytes, file), file) };
}

/** Metadata may be gzip-compressed whatever its name says; the magic bytes decide. */
function decodeMetadataBytes(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch (error) {
      throw new CorruptArchiveError(
        file,
        `is gzip-compressed but cannot be decompressed (${(error as Error).message})`,
      );
    }
  }
  return new TextDecoder().decode(bytes);
}

export async function findCurrentMetadataKey(store: ObjectStore): Promise<string> {
  const keys = await store.list("metadata/");
  const hint = keys.includes("metadata/version-hint.text")
    ? new TextDecoder().decode(await store.read("metadata/version-hint.text")).trim()
    : undefined;
  const candidates = keys
    .map((key) => ({ key, match: METADATA_FILE.exec(key.slice("metadata/".length)) }))
    .filter((candidate) => candidate.match !== null)
    .map(({ key, match }) => ({ key, version: Number(match![1] ?? match![2]) }));
  if (hint !== undefined && hint !== "") {
    const hinted = candidates.find(
      (candidate) =>
        candidate.key.slice("metadata/".length).startsWith(`v${hint}.`) || candidate.key === `metadata/${hint}`,
    );
    if (hinted) return hinted.key;
    if (/\.metadata\.json/.test(hint) && keys.includes(`metadata/${hint}`)) return `metadata/${hint}`;
  }
  if (keys.length === 0) {
    throw new NoTableYetError(`${store.root}/metadata/`, "no Iceberg table here (no metadata/ folder or it is empty)");
  }
  if (candidates.length === 0) {
    throw new ArchiveNotFoundError(
      `${store.root}/metadata/`,
      "has no *.metadata.json file, so there is no table to read",
    );
  }
  candidates.sort((a, b) => a.version - b.version || a.key.localeCompare(b.key));
  return candidates.at(-1)!.key;
}
