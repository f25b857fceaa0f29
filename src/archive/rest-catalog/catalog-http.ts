// One catalog request: its credentials added, one more try with renewed credentials after a 401 or
// 419, and any failure turned into an error naming the catalog, the request, the status and what to
// check.
import { parseJsonLossless } from "../json.ts";
import type { CatalogAuth } from "./catalog-auth.ts";
import {
  catalogAnswerError,
  catalogInvalidJsonError,
  catalogUnreachableError,
  RETRY_LATER,
  type CatalogRequestDescription,
} from "./catalog-errors.ts";

export interface CatalogGet {
  /** Path under the catalog URI, already encoded: `/v1/config`, `/v1/wh/namespaces/a%1Fb/tables/t`. */
  path: string;
  query?: Record<string, string | undefined>;
  /** What to check when the catalog answers 400 or 404 to this request. */
  notFoundCheck: string;
}

/** 419 is the spec's "authentication timeout": the token expired. */
const REFUSED_CREDENTIALS = new Set([401, 419]);

export class CatalogHttp {
  constructor(
    readonly catalogUri: string,
    private readonly auth: CatalogAuth,
    /** Sent with every request (X-Iceberg-Access-Delegation). */
    private readonly headers: Record<string, string>,
  ) {}

  async getJson({ path, query, notFoundCheck }: CatalogGet): Promise<unknown> {
    const url = new URL(`${this.catalogUri}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const description: CatalogRequestDescription = {
      catalogUri: this.catalogUri,
      server: "REST catalog",
      method: "GET",
      endpoint: `${url.pathname}${url.search}`,
    };
    let response = await this.send(url, description);
    if (REFUSED_CREDENTIALS.has(response.status) && (await this.auth.renewAfterRefusal())) {
      await response.body?.cancel();
      response = await this.send(url, description);
    }
    const text = await response.text();
    if (!response.ok)
      throw catalogAnswerError(description, response.status, text, this.checkFor(response.status, notFoundCheck));
    try {
      return parseJsonLossless(text);
    } catch (error) {
      throw catalogInvalidJsonError(description, error);
    }
  }

  private async send(url: URL, description: CatalogRequestDescription): Promise<Response> {
    const headers = await this.auth.authorize({
      method: "GET",
      url,
      headers: { accept: "application/json", ...this.headers },
    });
    try {
      return await fetch(url, { headers });
    } catch (error) {
      throw catalogUnreachableError(description, error);
    }
  }

  private checkFor(status: number, notFoundCheck: string): string {
    if (REFUSED_CREDENTIALS.has(status) || status === 403) return this.auth.whatToCheck;
    if (status === 400 || status === 404) return notFoundCheck;
    if (status >= 500 || status === 429) return RETRY_LATER;
    return "an answer the REST catalog protocol does not define for this request: check that the URI is an Iceberg REST catalog";
  }
}
