// Iceberg REST catalog protocol (GET /v1/config, GET /v1/{prefix}/namespaces/{ns}/tables/{table}).
// A table is named `http(s)://catalog-uri#namespace.table`; the bearer token and warehouse come
// from ICEBERG_REST_TOKEN and ICEBERG_REST_WAREHOUSE.
import type { LoadedTable } from "./catalog.ts";
import { ArchiveError, ArchiveNotFoundError, CorruptArchiveError, TransientStoreError } from "./errors.ts";
import { parseJsonLossless } from "./json.ts";
import { tableMetadataFromJson } from "./metadata.ts";
import { tableKeyOf } from "./paths.ts";
import { openObjectStore } from "./store/open-store.ts";
import type { S3StoreOptions } from "./store/s3-store.ts";

export interface RestTableReference {
  uri: string;
  namespace: string[];
  table: string;
}

export function isRestTableReference(location: string): boolean {
  return /^https?:\/\//.test(location);
}

export function parseRestTableReference(location: string): RestTableReference {
  const [uri, name] = location.split("#");
  const parts = (name ?? "").split(".").filter(Boolean);
  if (!uri || parts.length < 2) {
    throw new ArchiveError(location, "a REST catalog table is written http(s)://catalog-uri#namespace.table");
  }
  return { uri: uri.replace(/\/+$/, ""), namespace: parts.slice(0, -1), table: parts.at(-1)! };
}

interface CatalogConfig {
  defaults?: Record<string, string>;
  overrides?: Record<string, string>;
}

interface LoadTableResponse {
  "metadata-location"?: string;
  metadata: unknown;
  config?: Record<string, string>;
}

export async function loadTableFromRestCatalog(
  reference: RestTableReference,
  options: { token?: string; warehouse?: string; s3Options?: S3StoreOptions } = {},
): Promise<LoadedTable> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const configUrl = `${reference.uri}/v1/config${options.warehouse ? `?warehouse=${encodeURIComponent(options.warehouse)}` : ""}`;
  const config = (await getJson(configUrl, headers)) as CatalogConfig;
  const settings = { ...config.defaults, ...config.overrides };
  const prefix = settings.prefix ? `/${settings.prefix.replace(/^\/+|\/+$/g, "")}` : "";
  // Multi-level namespaces are joined with the unit separator (0x1F), as the spec says.
  const namespace = encodeURIComponent(reference.namespace.join("\u001f"));
  const tableUrl = `${reference.uri}/v1${prefix}/namespaces/${namespace}/tables/${encodeURIComponent(reference.table)}`;
  const response = (await getJson(tableUrl, headers)) as LoadTableResponse;
  const metadataLocation = response["metadata-location"] ?? tableUrl;
  const metadata = tableMetadataFromJson(response.metadata, metadataLocation);
  const storeSettings = { ...settings, ...response.config };
  const store = openObjectStore(metadata.location, {
    ...options.s3Options,
    ...(storeSettings["s3.endpoint"] ? { endpoint: storeSettings["s3.endpoint"] } : {}),
    ...(storeSettings["s3.region"] || storeSettings["client.region"]
      ? { region: storeSettings["s3.region"] ?? storeSettings["client.region"] }
      : {}),
    ...(storeSettings["s3.access-key-id"] && storeSettings["s3.secret-access-key"]
      ? {
          credentials: {
            accessKeyId: storeSettings["s3.access-key-id"],
            secretAccessKey: storeSettings["s3.secret-access-key"],
          },
        }
      : {}),
  });
  return { store, metadata, metadataKey: tableKeyOf(metadataLocation, metadata.location) };
}

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new TransientStoreError(url, `REST catalog unreachable (${(error as Error).message})`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    const message = catalogErrorMessage(text) ?? text.slice(0, 200);
    if (response.status === 404) throw new ArchiveNotFoundError(url, `REST catalog says: ${message}`);
    if (response.status >= 500)
      throw new TransientStoreError(url, `REST catalog answered ${response.status}: ${message}`);
    throw new ArchiveError(url, `REST catalog answered ${response.status}: ${message}`);
  }
  try {
    return parseJsonLossless(text);
  } catch (error) {
    throw new CorruptArchiveError(url, `REST catalog answered with invalid JSON (${(error as Error).message})`);
  }
}

function catalogErrorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; type?: string } };
    return body.error?.message ? `${body.error.type ?? "error"}: ${body.error.message}` : undefined;
  } catch {
    return undefined;
  }
}
