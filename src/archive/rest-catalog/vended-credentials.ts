// Storage credentials a catalog hands out with a table (vended credentials): the ones for the
// table's location are picked, read as S3 credentials, and kept fresh for every read of the table.
import { canonicalPath } from "../paths.ts";
import type { S3CredentialProvider, S3Credentials } from "../store/s3-store.ts";
import { ExpiringValue, type Expiring } from "./expiring-value.ts";
import type { LoadTableResult } from "./rest-catalog-client.ts";

/** The table's storage settings: its config, then the most specific storage credential covering its location (the spec's rule). */
export function storageConfigFor(
  location: string,
  answer: Pick<LoadTableResult, "config" | "storage-credentials">,
): Record<string, string> {
  const table = canonicalPath(location);
  const covering = (answer["storage-credentials"] ?? [])
    .map((credential) => ({ credential, prefix: canonicalPath(credential.prefix) }))
    .filter(({ prefix }) => table === prefix || table.startsWith(`${prefix}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return { ...answer.config, ...covering[0]?.credential.config };
}

/** S3 credentials in Iceberg's property names, with their expiry when they are temporary. */
export function s3CredentialsOf(config: Record<string, string>): Expiring<S3Credentials> | undefined {
  const accessKeyId = config["s3.access-key-id"];
  const secretAccessKey = config["s3.secret-access-key"];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const expiresAtMs = Number(config["s3.session-token-expires-at-ms"]);
  const expires = Number.isFinite(expiresAtMs) && expiresAtMs > 0;
  return {
    value: {
      accessKeyId,
      secretAccessKey,
      sessionToken: config["s3.session-token"] || undefined,
      expiration: expires ? new Date(expiresAtMs) : undefined,
    },
    expiresAtMs: expires ? expiresAtMs : undefined,
  };
}

/** Credentials without an expiry as they are; expiring ones behind a provider that fetches fresh ones before they run out. */
export function refreshingS3Credentials(
  initial: Expiring<S3Credentials>,
  fetchFresh: () => Promise<Expiring<S3Credentials>>,
): S3Credentials | S3CredentialProvider {
  if (initial.expiresAtMs === undefined) return initial.value;
  const credentials = new ExpiringValue(fetchFresh, initial);
  return () => credentials.get();
}
