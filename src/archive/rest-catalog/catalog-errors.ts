// A failed catalog request is an error that names the catalog, the request, the HTTP status, what
// the catalog said and what to check; its class says what the caller can do about it (a 404 is a
// missing table, a 5xx is worth retrying, the rest needs someone to fix the configuration).
import { ArchiveError, ArchiveNotFoundError, CorruptArchiveError, TransientStoreError } from "../errors.ts";

export interface CatalogRequestDescription {
  catalogUri: string;
  /** Who answers: the REST catalog, or the OAuth2 token endpoint it relies on. */
  server: "REST catalog" | "OAuth2 token endpoint";
  method: string;
  /** The path and query asked for (`/v1/wh/namespaces/ns/tables/t`), or the full URL of a foreign endpoint. */
  endpoint: string;
}

export const RETRY_LATER =
  "the catalog failed on its side; the request is worth trying again later (a rebuild retries it)";

export function catalogAnswerError(
  request: CatalogRequestDescription,
  status: number,
  body: string,
  check: string,
): ArchiveError {
  const said = catalogMessage(body);
  const problem = `the ${request.server} answered ${status} to ${request.method} ${request.endpoint}${said ? ` (${said})` : ""}: ${check}`;
  if (status === 404) return new ArchiveNotFoundError(request.catalogUri, problem);
  if (status >= 500 || status === 429) return new TransientStoreError(request.catalogUri, problem);
  return new ArchiveError(request.catalogUri, problem);
}

export function catalogUnreachableError(request: CatalogRequestDescription, error: unknown): TransientStoreError {
  const reason =
    (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
  return new TransientStoreError(
    request.catalogUri,
    `the ${request.server} did not answer ${request.method} ${request.endpoint} (${reason}): check the URI and that this machine can reach it (a cloud deployment cannot reach localhost or a private network)`,
    { cause: error },
  );
}

export function catalogInvalidJsonError(request: CatalogRequestDescription, error: unknown): CorruptArchiveError {
  return new CorruptArchiveError(
    request.catalogUri,
    `the ${request.server} answered ${request.method} ${request.endpoint} with invalid JSON (${(error as Error).message}): check that the URI is the catalog's REST base, not a web page or proxy`,
  );
}

/** What the catalog said: an Iceberg error (`{ error: { type, message } }`) or an OAuth2 one (`{ error, error_description }`). */
function catalogMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error === "string") {
      return typeof parsed.error_description === "string"
        ? `${parsed.error}: ${parsed.error_description}`
        : parsed.error;
    }
    const error = parsed.error as { type?: unknown; message?: unknown } | undefined;
    if (typeof error?.message === "string")
      return `${typeof error.type === "string" ? error.type : "error"}: ${error.message}`;
  } catch {
    // Not JSON: a proxy's or load balancer's page; its first words say enough.
  }
  return body.trim().slice(0, 200);
}
