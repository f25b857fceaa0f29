// How Reproject talks to a REST catalog, read from the deployment's environment (the CLI reads the
// same variables). One way to authenticate at a time; a variable with a value it cannot use is an
// error naming the variable, never ignored.
import { ArchiveError } from "../errors.ts";
import type { S3Credentials } from "../store/s3-store.ts";

/** AWS signing names of the Iceberg REST endpoints that take SigV4: S3 Tables and Glue. */
export const SIGV4_SIGNING_NAMES = ["s3tables", "glue"] as const;
export type SigV4SigningName = (typeof SIGV4_SIGNING_NAMES)[number];

/** The scope Iceberg's own clients ask for when none is configured. */
export const DEFAULT_OAUTH2_SCOPE = "catalog";

export const VENDED_CREDENTIALS = "vended-credentials";

export type CatalogAuthSettings =
  | { kind: "none" }
  | { kind: "bearer"; token: string }
  | {
      kind: "oauth2";
      /** Absent when the credential is a bare secret. */
      clientId?: string;
      clientSecret: string;
      /** Absent: the catalog's own `/v1/oauth/tokens`. */
      tokenEndpoint?: string;
      scope: string;
    }
  | {
      kind: "sigv4";
      signingName: SigV4SigningName;
      region: string;
      /** Absent: the AWS SDK's default credential chain. */
      credentials?: S3Credentials;
    };

export interface RestCatalogSettings {
  /** Sent to `/v1/config` as `warehouse`. */
  warehouse?: string;
  auth: CatalogAuthSettings;
  /** Ask for the table's storage credentials (`X-Iceberg-Access-Delegation: vended-credentials`). */
  vendedCredentials: boolean;
}

/**
 * ICEBERG_REST_TOKEN (bearer), ICEBERG_REST_CREDENTIAL with ICEBERG_REST_OAUTH2_SERVER_URI and
 * ICEBERG_REST_SCOPE (OAuth2 client credentials), or ICEBERG_REST_SIGV4 with
 * ICEBERG_REST_SIGNING_REGION (AWS SigV4); ICEBERG_REST_WAREHOUSE; ICEBERG_REST_ACCESS_DELEGATION.
 */
export function restCatalogSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RestCatalogSettings {
  return {
    warehouse: env.ICEBERG_REST_WAREHOUSE || undefined,
    auth: catalogAuthFromEnv(env),
    vendedCredentials: accessDelegationFromEnv(env),
  };
}

function catalogAuthFromEnv(env: NodeJS.ProcessEnv): CatalogAuthSettings {
  const chosen = ["ICEBERG_REST_TOKEN", "ICEBERG_REST_CREDENTIAL", "ICEBERG_REST_SIGV4"].filter((name) => env[name]);
  if (chosen.length > 1) {
    throw new ArchiveError(
      chosen.join(", "),
      "are all set; a REST catalog takes one way to authenticate, so set only one of them",
    );
  }
  if (env.ICEBERG_REST_TOKEN) return { kind: "bearer", token: env.ICEBERG_REST_TOKEN };
  if (env.ICEBERG_REST_CREDENTIAL) return oauth2FromEnv(env.ICEBERG_REST_CREDENTIAL, env);
  if (env.ICEBERG_REST_SIGV4) return sigv4FromEnv(env.ICEBERG_REST_SIGV4, env);
  return { kind: "none" };
}

/** `client_id:client_secret`, or a bare secret, as PyIceberg's and Java's `credential` property. */
function oauth2FromEnv(credential: string, env: NodeJS.ProcessEnv): CatalogAuthSettings {
  const colon = credential.indexOf(":");
  const clientId = colon === -1 ? undefined : credential.slice(0, colon);
  const clientSecret = colon === -1 ? credential : credential.slice(colon + 1);
  if (clientSecret === "") {
    throw new ArchiveError("ICEBERG_REST_CREDENTIAL", "has no client secret; write it client_id:client_secret");
  }
  const tokenEndpoint = env.ICEBERG_REST_OAUTH2_SERVER_URI || undefined;
  if (tokenEndpoint !== undefined && !/^https?:\/\//.test(tokenEndpoint)) {
    throw new ArchiveError(
      "ICEBERG_REST_OAUTH2_SERVER_URI",
      `is "${tokenEndpoint}"; it must be the token endpoint's http(s):// URL`,
    );
  }
  return {
    kind: "oauth2",
    clientId,
    clientSecret,
    tokenEndpoint,
    scope: env.ICEBERG_REST_SCOPE || DEFAULT_OAUTH2_SCOPE,
  };
}

function sigv4FromEnv(signingName: string, env: NodeJS.ProcessEnv): CatalogAuthSettings {
  if (!(SIGV4_SIGNING_NAMES as readonly string[]).includes(signingName)) {
    throw new ArchiveError(
      "ICEBERG_REST_SIGV4",
      `is "${signingName}"; set it to the signing name of the endpoint: s3tables (S3 Tables) or glue (AWS Glue)`,
    );
  }
  const region = env.ICEBERG_REST_SIGNING_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ArchiveError(
      "ICEBERG_REST_SIGNING_REGION",
      "is not set (nor AWS_REGION): SigV4 signs for one region, the catalog's",
    );
  }
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN || undefined,
        }
      : undefined;
  return { kind: "sigv4", signingName: signingName as SigV4SigningName, region, credentials };
}

function accessDelegationFromEnv(env: NodeJS.ProcessEnv): boolean {
  const delegation = env.ICEBERG_REST_ACCESS_DELEGATION;
  if (!delegation) return false;
  if (delegation !== VENDED_CREDENTIALS) {
    throw new ArchiveError(
      "ICEBERG_REST_ACCESS_DELEGATION",
      `is "${delegation}"; the only access delegation Reproject supports is ${VENDED_CREDENTIALS} (remote signing is not)`,
    );
  }
  return true;
}
