// A table from an Iceberg REST catalog: its metadata from load table, and a store for its files
// that uses the storage settings and (vended) credentials the catalog gave with it.
import type { LoadedTable } from "../catalog.ts";
import { ArchiveError } from "../errors.ts";
import { tableMetadataFromJson } from "../metadata.ts";
import { tableKeyOf } from "../paths.ts";
import { openObjectStore } from "../store/open-store.ts";
import type { S3CredentialProvider, S3Credentials, S3StoreOptions } from "../store/s3-store.ts";
import type { RestCatalogSettings } from "./catalog-settings.ts";
import { RestCatalogClient, type LoadTableResult } from "./rest-catalog-client.ts";
import type { RestTableReference } from "./table-reference.ts";
import { refreshingS3Credentials, s3CredentialsOf, storageConfigFor } from "./vended-credentials.ts";

export async function loadTableFromRestCatalog(
  reference: RestTableReference,
  settings: RestCatalogSettings,
  s3Options: S3StoreOptions,
): Promise<LoadedTable> {
  const client = await RestCatalogClient.connect(reference.uri, settings);
  const answer = await client.loadTable(reference.namespace, reference.table);
  const metadataLocation = answer["metadata-location"];
  const metadata = tableMetadataFromJson(answer.metadata, metadataLocation);
  const storage = { ...client.properties, ...storageConfigFor(metadata.location, answer) };
  const credentials = tableCredentials(client, reference, metadata.location, answer, settings.vendedCredentials);
  const region = storage["s3.region"] || storage["client.region"];
  const store = openObjectStore(metadata.location, {
    ...s3Options,
    ...(storage["s3.endpoint"] ? { endpoint: storage["s3.endpoint"] } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  });
  return { store, metadata, metadataKey: tableKeyOf(metadataLocation, metadata.location) };
}

/**
 * The S3 credentials the catalog gave with the table, refreshed through the credentials endpoint
 * (when the catalog serves it) or by loading the table again; undefined when it gave none and none
 * were asked for (the store then uses its own: S3_ENDPOINT, AWS_*).
 */
function tableCredentials(
  client: RestCatalogClient,
  { namespace, table }: RestTableReference,
  location: string,
  answer: LoadTableResult,
  vendedCredentialsAsked: boolean,
): S3Credentials | S3CredentialProvider | undefined {
  const initial = s3CredentialsOf(storageConfigFor(location, answer));
  if (!initial) {
    if (!vendedCredentialsAsked) return undefined;
    throw new ArchiveError(
      client.uri,
      `GET ${client.tablePath(namespace, table)} with X-Iceberg-Access-Delegation: vended-credentials answered no S3 credentials for ${location}: check that the catalog vends credentials for this table (its storage ` +
        "configuration and the principal's grants), or unset ICEBERG_REST_ACCESS_DELEGATION and give the store's own credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
    );
  }
  return refreshingS3Credentials(initial, async () => {
    const fresh = client.servesCredentials
      ? { "storage-credentials": await client.loadCredentials(namespace, table) }
      : await client.loadTable(namespace, table);
    const credentials = s3CredentialsOf(storageConfigFor(location, fresh));
    if (!credentials) {
      throw new ArchiveError(
        client.uri,
        `the S3 credentials for ${location} expired and the catalog answered no new ones: check the catalog's credential vending for this table`,
      );
    }
    return credentials;
  });
}
