// An HTTP proxy on loopback between Reproject and the S3 server that injects faults: error statuses,
// connection resets, stalls, truncated bodies, wrong Content-Range headers and latency, either scripted
// request by request, chosen by what the request is, or at random with a seeded rate. A truncated
// answer to a PUT is a write that landed but whose answer was lost.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SeededRandom } from "../../src/archive/writer/index.ts";

export type Fault = "status500" | "status503" | "reset" | "stall" | "truncate" | "wrongRange";

export interface FaultyProxyOptions {
  target: string;
  /** A fault for a request by its method and path (`/bucket/key`); `undefined` leaves it to the script and rate. */
  faultFor?: (request: { method: string; path: string }) => Fault | null | undefined;
  /** Faults for the first requests, in order (`null` = pass through); after that, `rate` applies. */
  script?: Array<Fault | null>;
  /** Probability that a request after the script gets a fault. */
  rate?: number;
  /** Faults drawn from when `rate` hits. */
  faults?: Fault[];
  seed?: number;
  /** Milliseconds every request waits before it is answered: a real object store's round trip on loopback. */
  latencyMs?: number;
}

export interface FaultyProxy {
  endpoint: string;
  /** Faults injected so far, by kind. */
  injected: Record<Fault, number>;
  requests: number;
  close(): Promise<void>;
}

export async function startFaultyS3Proxy(options: FaultyProxyOptions): Promise<FaultyProxy> {
  const target = new URL(options.target);
  // Seeded, so a faulty run can be replayed exactly.
  const seeded = new SeededRandom(options.seed ?? 1);
  const random = () => seeded.next();
  const injected: Record<Fault, number> = {
    status500: 0,
    status503: 0,
    reset: 0,
    stall: 0,
    truncate: 0,
    wrongRange: 0,
  };
  const script = [...(options.script ?? [])];
  const pool = options.faults ?? ["status500", "status503", "reset", "stall", "truncate", "wrongRange"];
  const stalled = new Set<ServerResponse>();
  const state = { requests: 0 };

  const pickFault = (incoming: IncomingMessage): Fault | null => {
    const chosen = options.faultFor?.({
      method: incoming.method ?? "GET",
      path: new URL(incoming.url ?? "/", "http://proxy").pathname,
    });
    if (chosen !== undefined) return chosen;
    if (script.length > 0) return script.shift()!;
    if (!options.rate || random() >= options.rate) return null;
    return pool[Math.floor(random() * pool.length)]!;
  };

  const latencyMs = options.latencyMs ?? 0;
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (latencyMs > 0) setTimeout(() => handle(incoming, outgoing), latencyMs);
    else handle(incoming, outgoing);
  });
  const handle = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    state.requests++;
    const fault = pickFault(incoming);
    if (fault) injected[fault]++;
    if (fault === "status500" || fault === "status503") {
      incoming.resume();
      outgoing.writeHead(fault === "status500" ? 500 : 503, { "content-type": "application/xml" });
      outgoing.end(
        `<?xml version="1.0"?><Error><Code>${fault === "status500" ? "InternalError" : "SlowDown"}</Code><Message>injected</Message></Error>`,
      );
      return;
    }
    if (fault === "reset") {
      incoming.socket.destroy();
      return;
    }
    if (fault === "stall") {
      stalled.add(outgoing);
      incoming.resume();
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        const headers = { ...response.headers };
        if (fault === "wrongRange" && headers["content-range"])
          headers["content-range"] = shiftRange(headers["content-range"]);
        outgoing.writeHead(response.statusCode ?? 502, headers);
        if (fault === "truncate") {
          let sent = false;
          response.on("data", (chunk: Buffer) => {
            if (sent) return;
            sent = true;
            outgoing.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))));
            outgoing.socket?.destroy();
          });
          response.on("end", () => !sent && outgoing.socket?.destroy());
        } else {
          response.pipe(outgoing);
        }
      },
    );
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    get requests() {
      return state.requests;
    },
    close: () => {
      for (const response of stalled) response.socket?.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function shiftRange(header: string): string {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header);
  if (!match) return header;
  return `bytes ${Number(match[1]) + 1}-${Number(match[2]) + 1}/${match[3]}`;
}
