// The ways a catalog request carries who is asking: nothing, a bearer token, an OAuth2 token
// obtained with client credentials, or an AWS SigV4 signature.
import type { CatalogAuthSettings } from "./catalog-settings.ts";
import { OAuth2ClientCredentials } from "./oauth2-client-credentials.ts";
import { SigV4RequestSigning } from "./sigv4-signing.ts";

export interface CatalogRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface CatalogAuth {
  /** The request's headers with its credentials added. */
  authorize(request: CatalogRequest): Promise<Record<string, string>>;
  /** After the catalog refused the credentials (401, 419): renews them when it can; true means one more try is worth it. */
  renewAfterRefusal(): Promise<boolean>;
  /** What to check when the catalog refuses them, naming the variables that configure them. */
  readonly whatToCheck: string;
}

export function catalogAuth(settings: CatalogAuthSettings, catalogUri: string): CatalogAuth {
  switch (settings.kind) {
    case "none":
      return staticAuth(
        {},
        "the catalog wants credentials: set ICEBERG_REST_TOKEN (a bearer token), ICEBERG_REST_CREDENTIAL (OAuth2 client_id:client_secret) or ICEBERG_REST_SIGV4 (AWS SigV4: s3tables or glue)",
      );
    case "bearer":
      return staticAuth(
        { authorization: `Bearer ${settings.token}` },
        "check ICEBERG_REST_TOKEN: the token is wrong, expired or revoked, or lacks the permission for this request (R2 Data Catalog: an API token with Data Catalog read access on this bucket)",
      );
    case "oauth2":
      return new OAuth2ClientCredentials(settings, catalogUri);
    case "sigv4":
      return new SigV4RequestSigning(settings, catalogUri);
  }
}

function staticAuth(headers: Record<string, string>, whatToCheck: string): CatalogAuth {
  return {
    authorize: async (request) => ({ ...request.headers, ...headers }),
    renewAfterRefusal: async () => false,
    whatToCheck,
  };
}
