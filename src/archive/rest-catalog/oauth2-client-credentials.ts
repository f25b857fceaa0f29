// OAuth2 client credentials (RFC 6749 §4.4), as Iceberg's REST clients use them: the client id and
// secret are exchanged for an access token at the token endpoint (`oauth2-server-uri`, else the
// catalog's `/v1/oauth/tokens`), which is then sent as a bearer token. It is renewed shortly before
// `expires_in` runs out, and at once when the catalog refuses it.
import { ArchiveError } from "../errors.ts";
import type { CatalogAuth, CatalogRequest } from "./catalog-auth.ts";
import { catalogAnswerError, catalogUnreachableError, type CatalogRequestDescription } from "./catalog-errors.ts";
import type { CatalogAuthSettings } from "./catalog-settings.ts";
import { ExpiringValue, type Expiring } from "./expiring-value.ts";

type OAuth2Settings = Extract<CatalogAuthSettings, { kind: "oauth2" }>;

export class OAuth2ClientCredentials implements CatalogAuth {
  readonly tokenEndpoint: string;
  readonly whatToCheck: string;
  private readonly accessToken: ExpiringValue<string>;

  constructor(
    private readonly settings: OAuth2Settings,
    private readonly catalogUri: string,
  ) {
    this.tokenEndpoint = settings.tokenEndpoint ?? `${catalogUri}/v1/oauth/tokens`;
    this.whatToCheck =
      `check ICEBERG_REST_CREDENTIAL (client_id:client_secret) and ICEBERG_REST_SCOPE (now "${settings.scope}"): ` +
      `the catalog refused a token from ${this.tokenEndpoint} even when fresh, so the client may lack access to this catalog or table`;
    this.accessToken = new ExpiringValue(() => this.requestToken());
  }

  async authorize(request: CatalogRequest): Promise<Record<string, string>> {
    return { ...request.headers, authorization: `Bearer ${await this.accessToken.get()}` };
  }

  async renewAfterRefusal(): Promise<boolean> {
    await this.accessToken.refresh();
    return true;
  }

  private async requestToken(): Promise<Expiring<string>> {
    const description: CatalogRequestDescription = {
      catalogUri: this.catalogUri,
      server: "OAuth2 token endpoint",
      method: "POST",
      endpoint: this.tokenEndpoint,
    };
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_secret: this.settings.clientSecret,
      scope: this.settings.scope,
    });
    if (this.settings.clientId !== undefined) form.set("client_id", this.settings.clientId);
    const requestedAtMs = Date.now();
    let response: Response;
    try {
      response = await fetch(this.tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      });
    } catch (error) {
      throw catalogUnreachableError(description, error);
    }
    const text = await response.text();
    if (!response.ok) {
      throw catalogAnswerError(
        description,
        response.status,
        text,
        "the token endpoint refused the client credentials: check ICEBERG_REST_CREDENTIAL (client_id:client_secret), ICEBERG_REST_SCOPE " +
          "and ICEBERG_REST_OAUTH2_SERVER_URI (unset, the catalog's own /v1/oauth/tokens is used)",
      );
    }
    const answer = parseTokenAnswer(text);
    if (!answer) {
      throw new ArchiveError(
        this.catalogUri,
        `the OAuth2 token endpoint answered ${response.status} to POST ${this.tokenEndpoint} without an access_token: check that ICEBERG_REST_OAUTH2_SERVER_URI is an OAuth2 token endpoint`,
      );
    }
    // Measured from when the request left: the token's clock started no later than that.
    return {
      value: answer.accessToken,
      expiresAtMs: answer.expiresInSeconds === undefined ? undefined : requestedAtMs + answer.expiresInSeconds * 1000,
    };
  }
}

function parseTokenAnswer(text: string): { accessToken: string; expiresInSeconds?: number } | undefined {
  try {
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string" || body.access_token === "") return undefined;
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      expiresInSeconds: body.expires_in !== undefined && Number.isFinite(expiresIn) ? expiresIn : undefined,
    };
  } catch {
    return undefined;
  }
}
