// A small Iceberg REST catalog on loopback for tests: /v1/config, paginated namespace and table
// lists, load table and load credentials, for tables whose metadata files are given. Every request
// passes the auth enforcer first, as on a real catalog; storage settings and vended credentials go
// out with load table the way the spec describes.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { icebergError, type CatalogAnswer, type CatalogAuthEnforcer } from "./catalog-auth-enforcers.ts";
import { icebergS3Config, type CredentialVendor } from "./credential-vendor.ts";
import type { SignedRequest } from "./sigv4-verification.ts";

export interface RestCatalogTable {
  namespace: string[];
  name: string;
  metadataLocation: string;
  /** The metadata JSON text exactly as stored (64-bit ids stay exact). */
  metadataJson: string;
}

export interface RestCatalogOptions {
  prefix: string;
  tables: RestCatalogTable[];
  auth: CatalogAuthEnforcer;
  /** The tables' storage settings (`s3.endpoint`, `client.region`, static keys), sent in load-table config. */
  storage?: Record<string, string>;
  /** Vends fresh credentials, scoped to the table's location, to a load table that asks for them. */
  vendor?: CredentialVendor;
  /** Also vend a credential for this broader prefix, signed by a key no store accepts: only the table's own may be used. */
  broaderCredentialPrefix?: string;
  /** Serve the credentials endpoint and list it in the config's `endpoints`. */
  credentialsEndpoint?: boolean;
  /** Items per page for list requests that ask for pages (`pageToken`). */
  pageSize?: number;
  /** The one warehouse `/v1/config` knows, when it insists on one. */
  warehouse?: string;
}

export interface RestCatalog {
  uri: string;
  /** `METHOD /path?query STATUS` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

const CREDENTIALS_ENDPOINT = "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials";

export async function startRestCatalog(options: RestCatalogOptions): Promise<RestCatalog> {
  const requests: string[] = [];
  const server: Server = createServer(async (incoming, response) => {
    const request = await readRequest(incoming);
    const answer = options.auth.serve?.(request) ?? (await options.auth.refusal(request)) ?? route(options, request);
    requests.push(`${request.method} ${request.url} ${answer.status}`);
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function route(options: RestCatalogOptions, request: SignedRequest): CatalogAnswer {
  const url = new URL(request.url, "http://catalog");
  if (request.method !== "GET") return icebergError(405, "MethodNotAllowed", `${request.method} is not served here`);
  if (url.pathname === "/v1/config") return config(options, url);
  const root = `/v1/${options.prefix}/namespaces`;
  if (url.pathname === root) return listNamespaces(options, url);
  const match = new RegExp(`^${root}/([^/]+)/tables(?:/([^/]+)(/credentials)?)?$`).exec(url.pathname);
  if (!match) return icebergError(404, "NotFoundException", `no route ${url.pathname}`);
  const namespace = decodeNamespace(match[1]!);
  if (match[2] === undefined) return listPage(options, url, "identifiers", tablesIn(options, namespace));
  const table = options.tables.find(
    (candidate) =>
      candidate.namespace.join("\u001f") === namespace.join("\u001f") &&
      candidate.name === decodeURIComponent(match[2]!),
  );
  if (!table)
    return icebergError(
      404,
      "NoSuchTableException",
      `Table does not exist: ${[...namespace, decodeURIComponent(match[2]!)].join(".")}`,
    );
  if (match[3]) {
    if (!options.credentialsEndpoint || !options.vendor)
      return icebergError(404, "NotFoundException", "credentials endpoint not served");
    return { status: 200, body: { "storage-credentials": vendedCredentials(options, table) } };
  }
  const delegated =
    request.headers["x-iceberg-access-delegation"] === "vended-credentials" && options.vendor !== undefined;
  const body =
    `{"metadata-location":${JSON.stringify(table.metadataLocation)},"metadata":${table.metadataJson},` +
    `"config":${JSON.stringify(options.storage ?? {})}` +
    (delegated ? `,"storage-credentials":${JSON.stringify(vendedCredentials(options, table))}` : "") +
    "}";
  return { status: 200, body };
}

function config(options: RestCatalogOptions, url: URL): CatalogAnswer {
  const warehouse = url.searchParams.get("warehouse");
  if (options.warehouse !== undefined && warehouse !== options.warehouse) {
    return icebergError(400, "BadRequestException", `unknown warehouse ${warehouse ?? "(none given)"}`);
  }
  return {
    status: 200,
    body: {
      defaults: {},
      overrides: { prefix: options.prefix },
      ...(options.credentialsEndpoint
        ? { endpoints: [`GET /v1/{prefix}/namespaces/{namespace}/tables/{table}`, CREDENTIALS_ENDPOINT] }
        : {}),
    },
  };
}

function listNamespaces(options: RestCatalogOptions, url: URL): CatalogAnswer {
  const parent = (url.searchParams.get("parent") ?? "").split("\u001f").filter(Boolean);
  const children = new Map<string, string[]>();
  for (const table of options.tables) {
    const isUnder =
      table.namespace.length > parent.length && parent.every((level, index) => table.namespace[index] === level);
    if (isUnder) {
      const child = table.namespace.slice(0, parent.length + 1);
      children.set(child.join("\u001f"), child);
    }
  }
  return listPage(options, url, "namespaces", [...children.values()]);
}

function tablesIn(options: RestCatalogOptions, namespace: string[]) {
  return options.tables
    .filter((table) => table.namespace.join("\u001f") === namespace.join("\u001f"))
    .map((table) => ({ namespace: table.namespace, name: table.name }));
}

/** The spec's paging: all at once without `pageToken`; with it, pages whose `next-page-token` is opaque to the client. */
function listPage(options: RestCatalogOptions, url: URL, field: string, items: unknown[]): CatalogAnswer {
  const pageToken = url.searchParams.get("pageToken");
  if (pageToken === null || options.pageSize === undefined) return { status: 200, body: { [field]: items } };
  const offset =
    pageToken === "" ? 0 : Number(/^offset-(\d+)$/.exec(Buffer.from(pageToken, "base64url").toString())?.[1] ?? NaN);
  if (!Number.isInteger(offset)) return icebergError(400, "BadRequestException", `invalid page token ${pageToken}`);
  const end = offset + options.pageSize;
  const next = end < items.length ? Buffer.from(`offset-${end}`).toString("base64url") : null;
  return { status: 200, body: { [field]: items.slice(offset, end), "next-page-token": next } };
}

function vendedCredentials(options: RestCatalogOptions, table: RestCatalogTable) {
  const location = (JSON.parse(table.metadataJson) as { location: string }).location;
  const credentials = [{ prefix: location, config: icebergS3Config(options.vendor!.issue()) }];
  if (options.broaderCredentialPrefix) {
    credentials.unshift({
      prefix: options.broaderCredentialPrefix,
      config: {
        "s3.access-key-id": "BROADER",
        "s3.secret-access-key": "not-for-this-table",
        "s3.session-token": "none",
      },
    });
  }
  return credentials;
}

/** A namespace path segment: levels joined by the unit separator, each URL-encoded. */
function decodeNamespace(segment: string): string[] {
  return segment.split(/%1F/i).map(decodeURIComponent);
}

async function readRequest(incoming: IncomingMessage): Promise<SignedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return {
    method: incoming.method ?? "GET",
    url: incoming.url ?? "/",
    headers: incoming.headers,
    body: Buffer.concat(chunks),
  };
}
