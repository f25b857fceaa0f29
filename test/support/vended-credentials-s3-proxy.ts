// An HTTP proxy on loopback in front of the test S3 server that accepts only requests signed with
// credentials a CredentialVendor handed out and that have not expired (SigV4 checked in full). It is
// needed because s3rver cannot enforce this itself: it lets unsigned requests through, knows one
// hard-coded key and does not check V4 signatures. Accepted requests go on unsigned, which s3rver
// serves.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import type { CredentialVendor } from "./credential-vendor.ts";
import { verifySigV4 } from "./sigv4-verification.ts";

export interface VendedCredentialsS3Proxy {
  endpoint: string;
  /** Requests let through, by the access key that signed them. */
  accepted: Map<string, number>;
  /** Requests refused, as `code: message`. */
  refused: string[];
  close(): Promise<void>;
}

export async function startVendedCredentialsS3Proxy(
  target: string,
  vendor: CredentialVendor,
): Promise<VendedCredentialsS3Proxy> {
  const upstream = new URL(target);
  const accepted = new Map<string, number>();
  const refused: string[] = [];
  const server = createServer(async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const verdict = await verifySigV4(
      { method: incoming.method ?? "GET", url: incoming.url ?? "/", headers: incoming.headers, body },
      { service: "s3", region: S3_LOCAL_REGION, keys: (accessKeyId) => vendor.key(accessKeyId) },
    );
    if (!verdict.ok) {
      refused.push(`${verdict.code}: ${verdict.message}`);
      outgoing.writeHead(verdict.status, { "content-type": "application/xml" });
      outgoing.end(
        `<?xml version="1.0"?><Error><Code>${verdict.code}</Code><Message>${verdict.message}</Message></Error>`,
      );
      return;
    }
    accepted.set(verdict.accessKeyId, (accepted.get(verdict.accessKeyId) ?? 0) + 1);
    const { authorization: _signature, "x-amz-security-token": _token, ...headers } = incoming.headers;
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accepted,
    refused,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
