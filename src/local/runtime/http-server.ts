// The runtime's HTTP API on loopback: Convex's function endpoints (`POST /api/query`, `/api/mutation`,
// `/api/action`, the shape `ConvexHttpClient` speaks), Server-Sent Events for subscriptions, and stats.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { FunctionKind } from "./execution-context.ts";
import { CallRefused, type FunctionCatalog } from "./function-catalog.ts";
import { settle, type FunctionResult } from "./function-result.ts";
import { decodeIdentityToken, IdentityTokenError, type LocalIdentity } from "./identity.ts";
import type { SubscriptionHub } from "./subscriptions.ts";

export interface HttpApiDependencies {
  readonly catalog: FunctionCatalog;
  readonly call: (kind: FunctionKind, path: string, args: Value, identity: LocalIdentity | undefined) => Promise<Value>;
  readonly subscriptions: SubscriptionHub;
  /** Served as JSON at GET /local/stats. */
  readonly stats: () => object;
}

export interface HttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Convex's own limit on function arguments. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** A function threw: the status Convex answers so that clients read the error body. */
const STATUS_FUNCTION_FAILED = 560;
/** How soon an EventSource reconnects, e.g. after the runtime restarted. */
const SSE_RETRY_MS = 1000;
const CALL_ROUTES: Record<string, FunctionKind> = {
  "/api/query": "query",
  "/api/mutation": "mutation",
  "/api/action": "action",
};
const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

export async function startHttpServer(port: number, api: HttpApiDependencies): Promise<HttpServer> {
  const server = createServer((request, response) => {
    void handleRequest(api, request, response).catch((error: unknown) => {
      const refused = error instanceof CallRefused ? error : new CallRefused(500, (error as Error).message);
      if (!response.headersSent)
        sendJson(response, refused.httpStatus, { status: "error", errorMessage: refused.message });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open subscriptions and idle keep-alive sockets would hold `close` forever.
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(api: HttpApiDependencies, request: IncomingMessage, response: ServerResponse) {
  refuseForeignPages(request);
  allowLoopbackOrigins(request, response);
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const kind = CALL_ROUTES[url.pathname];
  if (request.method === "OPTIONS") {
    response.writeHead(204).end();
  } else if (request.method === "POST" && kind) {
    await handleCall(api, kind, request, response);
  } else if (request.method === "GET" && url.pathname === "/api/subscribe") {
    await handleSubscribe(api, url, request, response);
  } else if (request.method === "GET" && url.pathname === "/local/stats") {
    sendJson(response, 200, api.stats());
  } else {
    throw new CallRefused(404, `No route for ${request.method} ${url.pathname}`);
  }
}

/**
 * Any web page the developer opens could otherwise call this server: a non-loopback Host means DNS
 * rebinding, a non-loopback Origin a foreign page (browsers send both).
 */
function refuseForeignPages(request: IncomingMessage): void {
  const { host, origin } = request.headers;
  if (host !== undefined && !hasLoopbackHostname(`http://${host}`)) {
    throw new CallRefused(403, `Host ${host} is not loopback: the local runtime only answers loopback requests`);
  }
  if (origin !== undefined && !hasLoopbackHostname(origin)) {
    throw new CallRefused(
      403,
      `Origin ${origin} is not loopback: the local runtime only answers pages served from this machine`,
    );
  }
}

function hasLoopbackHostname(url: string): boolean {
  try {
    return LOOPBACK_HOSTNAMES.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** CORS for pages on another loopback port, e.g. the admin panel's Vite dev server. */
function allowLoopbackOrigins(request: IncomingMessage, response: ServerResponse): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  response.setHeader("Access-Control-Allow-Origin", origin);
  response.setHeader("Vary", "Origin");
  response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, Convex-Client");
}

async function handleCall(
  api: HttpApiDependencies,
  kind: FunctionKind,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const { path, args } = parseCallBody(await readBody(request));
  const identity = identityFromToken(bearerToken(request.headers.authorization));
  await api.catalog.check(path, kind, "public");
  const result = await settle(() => api.call(kind, path, args, identity));
  sendJson(response, result.status === "success" ? 200 : STATUS_FUNCTION_FAILED, result);
}

/** `{ path, args, format }`; args may also come wrapped in an array, as `ConvexHttpClient` sends them. */
function parseCallBody(body: string): { path: string; args: Value } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new CallRefused(400, `The request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CallRefused(400, 'The request body must be a JSON object: { "path": "module:function", "args": {...} }');
  }
  const { path, args = {}, format = "json" } = parsed as { path?: unknown; args?: unknown; format?: unknown };
  if (typeof path !== "string") throw new CallRefused(400, 'The request body has no "path" string');
  if (format !== "json" && format !== "convex_encoded_json") {
    throw new CallRefused(400, `Unsupported format "${String(format)}": use "json"`);
  }
  return { path, args: decodeArgs(Array.isArray(args) && args.length === 1 ? args[0] : args) };
}

function decodeArgs(args: unknown): Value {
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new CallRefused(400, '"args" must be a JSON object of the function\'s arguments');
  }
  try {
    return jsonToConvex(args as JSONValue);
  } catch (error) {
    throw new CallRefused(400, `"args" is not in Convex's JSON encoding: ${(error as Error).message}`);
  }
}

async function handleSubscribe(api: HttpApiDependencies, url: URL, request: IncomingMessage, response: ServerResponse) {
  const path = url.searchParams.get("path");
  if (path === null) throw new CallRefused(400, 'The subscription has no "path" parameter');
  let args: unknown;
  try {
    args = JSON.parse(url.searchParams.get("args") ?? "{}");
  } catch (error) {
    throw new CallRefused(400, `The "args" parameter is not JSON: ${(error as Error).message}`);
  }
  const identity = identityFromToken(url.searchParams.get("token") ?? bearerToken(request.headers.authorization));
  const query = { path, args: decodeArgs(args), identity };
  await api.catalog.check(path, "query", "public");

  response.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
  response.write(`retry: ${SSE_RETRY_MS}\n\n`);
  const push = (result: FunctionResult) => {
    if (response.writable) response.write(`data: ${JSON.stringify(result)}\n\n`);
  };
  const unsubscribe = await api.subscriptions.subscribe(query, push);
  if (response.closed) unsubscribe();
  else response.once("close", unsubscribe);
}

function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

function identityFromToken(token: string | undefined | null): LocalIdentity | undefined {
  if (!token) return undefined;
  try {
    return decodeIdentityToken(token);
  } catch (error) {
    if (error instanceof IdentityTokenError) throw new CallRefused(401, error.message);
    throw error;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new CallRefused(413, `The request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}
