// A small Iceberg REST catalog for tests: serves /v1/config and load-table for tables whose metadata
// files are given, with S3 settings pointing at the loopback S3 server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RestCatalogTable {
  namespace: string[];
  name: string;
  metadataLocation: string;
  /** The metadata JSON text exactly as stored (64-bit ids stay exact). */
  metadataJson: string;
}

export async function startRestCatalog(options: {
  prefix: string;
  token: string;
  tables: RestCatalogTable[];
  s3: Record<string, string>;
}): Promise<{ uri: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const send = (status: number, body: string) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body);
    };
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, JSON.stringify({ error: { message: "missing or wrong token", type: "NotAuthorizedException", code: 401 } }));
    }
    const url = new URL(request.url ?? "/", "http://catalog");
    if (url.pathname === "/v1/config") return send(200, JSON.stringify({ defaults: {}, overrides: { prefix: options.prefix } }));
    const match = new RegExp(`^/v1/${options.prefix}/namespaces/([^/]+)/tables/([^/]+)$`).exec(url.pathname);
    const table = match
      ? options.tables.find(
          (candidate) =>
            candidate.namespace.join("\u001f") === decodeURIComponent(match[1]!) && candidate.name === decodeURIComponent(match[2]!),
        )
      : undefined;
    if (!table) {
      return send(404, JSON.stringify({ error: { message: `Table does not exist: ${url.pathname}`, type: "NoSuchTableException", code: 404 } }));
    }
    send(200, `{"metadata-location":${JSON.stringify(table.metadataLocation)},"metadata":${table.metadataJson},"config":${JSON.stringify(options.s3)}}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
