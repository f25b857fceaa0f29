// The ways the loopback REST catalog checks who is asking, each refusing what the real catalogs
// refuse: a missing or wrong bearer token (R2 Data Catalog), a missing, unknown or expired OAuth2
// access token and bad client credentials at the token endpoint (Polaris, Nessie behind an IdP), an
// unsigned, wrongly signed or stale SigV4 request (S3 Tables, Glue).
import { randomBytes } from "node:crypto";
import { verifySigV4, type SignedRequest } from "./sigv4-verification.ts";

export interface CatalogAnswer {
  status: number;
  body: unknown;
}

export interface CatalogAuthEnforcer {
  /** Undefined when the request may go on, else the refusal to send. */
  refusal(request: SignedRequest): Promise<CatalogAnswer | undefined>;
  /** Answers requests for an endpoint this auth serves itself (an OAuth2 token endpoint); undefined for others. */
  serve?(request: SignedRequest): CatalogAnswer | undefined;
}

export function icebergError(status: number, type: string, message: string): CatalogAnswer {
  return { status, body: { error: { message, type, code: status } } };
}

export function bearerTokenAuth(token: string): CatalogAuthEnforcer {
  return {
    refusal: async (request) =>
      request.headers.authorization === `Bearer ${token}`
        ? undefined
        : icebergError(
            401,
            "NotAuthorizedException",
            request.headers.authorization ? "invalid token" : "missing bearer token",
          ),
  };
}

export interface OAuth2ClientCredentialsAuth extends CatalogAuthEnforcer {
  /** Access tokens handed out so far, in order. */
  readonly issued: string[];
  /** Invalidates every token handed out so far, as a revocation or a key rotation does. */
  revokeAll(): void;
}

/** The client credentials grant at `tokenPath`; tokens live `lifetimeSeconds`. */
export function oauth2ClientCredentialsAuth(options: {
  clientId: string;
  clientSecret: string;
  scope: string;
  lifetimeSeconds: number;
  tokenPath: string;
}): OAuth2ClientCredentialsAuth {
  const expiresAtMs = new Map<string, number>();
  const issued: string[] = [];
  return {
    issued,
    revokeAll: () => expiresAtMs.clear(),
    serve(request) {
      if (request.method !== "POST" || new URL(request.url, "http://catalog").pathname !== options.tokenPath)
        return undefined;
      const form = new URLSearchParams(request.body?.toString("utf8") ?? "");
      if (form.get("grant_type") !== "client_credentials") {
        return {
          status: 400,
          body: { error: "unsupported_grant_type", error_description: `grant_type ${form.get("grant_type")}` },
        };
      }
      if (form.get("client_id") !== options.clientId || form.get("client_secret") !== options.clientSecret) {
        return { status: 401, body: { error: "invalid_client", error_description: "unknown client or wrong secret" } };
      }
      if (form.get("scope") !== options.scope) {
        return {
          status: 400,
          body: { error: "invalid_scope", error_description: `scope ${form.get("scope")} is not granted` },
        };
      }
      const token = `access-${issued.length + 1}-${randomBytes(8).toString("hex")}`;
      issued.push(token);
      expiresAtMs.set(token, Date.now() + options.lifetimeSeconds * 1000);
      return {
        status: 200,
        body: {
          access_token: token,
          token_type: "bearer",
          expires_in: options.lifetimeSeconds,
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        },
      };
    },
    async refusal(request) {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      if (!token) return icebergError(401, "NotAuthorizedException", "missing bearer token");
      const expiry = expiresAtMs.get(token);
      if (expiry === undefined) return icebergError(401, "NotAuthorizedException", "unknown or revoked token");
      if (Date.now() >= expiry) return icebergError(401, "NotAuthorizedException", "token expired");
      return undefined;
    },
  };
}

export function sigv4Auth(options: {
  service: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}): CatalogAuthEnforcer {
  return {
    async refusal(request) {
      const verdict = await verifySigV4(request, {
        service: options.service,
        region: options.region,
        keys: (accessKeyId) =>
          accessKeyId === options.accessKeyId ? { secretAccessKey: options.secretAccessKey } : undefined,
      });
      return verdict.ok ? undefined : icebergError(verdict.status, verdict.code, verdict.message);
    },
  };
}
