// A stand-in for a Convex deployment's WebSocket, for the panel's deployment transport: it speaks
// the sync protocol `ConvexReactClient` speaks (Connect, Authenticate, ModifyQuerySet, Mutation →
// Transition, MutationResponse) and runs every function on a local runtime over HTTP, with the
// client's identity token. Query results are re-read every REFRESH_MS and changes sent as
// transitions, the way a deployment pushes them. Enough protocol for the panel, nothing more.
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

// `ws` comes with `convex` (its Node WebSocket); it has no type declarations installed here.
interface WebSocket {
  readonly readyState: number;
  readonly OPEN: number;
  on(event: "message", listener: (data: Buffer) => void): void;
  on(event: "close", listener: () => void): void;
  send(data: string): void;
  terminate(): void;
}
interface WebSocketServer {
  readonly clients: Set<WebSocket>;
  on(event: "connection", listener: (socket: WebSocket) => void): void;
  close(callback: () => void): void;
}
const { WebSocketServer } = createRequire(import.meta.url)("ws") as {
  WebSocketServer: new (options: { server: Server }) => WebSocketServer;
};

const REFRESH_MS = 150;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type FunctionResult = { status: "success"; value: Json } | { status: "error"; errorMessage: string; errorData?: Json };
type ClientMessage =
  | { type: "Connect" }
  | { type: "Authenticate"; tokenType: "User" | "Admin" | "None"; value?: string; baseVersion: number }
  | {
      type: "ModifyQuerySet";
      newVersion: number;
      modifications: ({ type: "Add"; queryId: number; udfPath: string; args: Json[] } | { type: "Remove"; queryId: number })[];
    }
  | { type: "Mutation" | "Action"; requestId: number; udfPath: string; args: Json[] }
  | { type: "Event" };

export interface ConvexSyncBridge {
  /** What `ConvexReactClient` takes as the deployment URL. */
  readonly url: string;
  /** Sync messages received, by type. */
  readonly received: Map<string, number>;
  close(): Promise<void>;
}

export async function startConvexSyncBridge(runtimeUrl: string): Promise<ConvexSyncBridge> {
  const server = createServer((_, response) => response.writeHead(404).end());
  const sockets = new WebSocketServer({ server });
  const received = new Map<string, number>();
  const sessions = new Set<SyncSession>();
  sockets.on("connection", (socket) => {
    const session = new SyncSession(socket, runtimeUrl, received);
    sessions.add(session);
    socket.on("close", () => {
      session.stop();
      sessions.delete(session);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      for (const session of sessions) session.stop();
      for (const socket of sockets.clients) socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One client connection: its query set, identity and versions. */
class SyncSession {
  private readonly queries = new Map<number, { udfPath: string; args: Json; lastSent?: string }>();
  private token: string | null = null;
  private querySet = 0;
  private identity = 0;
  private sent = { querySet: 0, identity: 0, ts: 0n };
  private ts = 0n;
  /** Transitions go out one at a time, each starting where the previous one ended. */
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly runtimeUrl: string,
    private readonly received: Map<string, number>,
  ) {
    socket.on("message", (data) => this.receive(JSON.parse(String(data)) as ClientMessage));
    this.timer = setInterval(() => this.enqueue(() => this.transition()), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private receive(message: ClientMessage): void {
    this.received.set(message.type, (this.received.get(message.type) ?? 0) + 1);
    switch (message.type) {
      case "Authenticate":
        this.token = message.tokenType === "None" ? null : (message.value ?? null);
        this.identity = message.baseVersion + 1;
        this.enqueue(() => this.transition());
        break;
      case "ModifyQuerySet":
        for (const change of message.modifications) {
          if (change.type === "Add") this.queries.set(change.queryId, { udfPath: change.udfPath, args: change.args[0] ?? {} });
          else this.queries.delete(change.queryId);
        }
        this.querySet = message.newVersion;
        this.enqueue(() => this.transition());
        break;
      case "Mutation":
      case "Action":
        this.enqueue(async () => {
          const kind = message.type === "Mutation" ? "mutation" : "action";
          const result = await this.call(kind, message.udfPath, message.args[0] ?? {});
          const response =
            result.status === "success"
              ? { success: true, result: result.value, logLines: [] }
              : { success: false, result: result.errorMessage, logLines: [], ...(result.errorData === undefined ? {} : { errorData: result.errorData }) };
          // A mutation's promise resolves once a transition reaches its timestamp: send one right after.
          this.send({ type: `${message.type}Response`, requestId: message.requestId, ...response, ...(kind === "mutation" ? { ts: encodeTs(++this.ts) } : {}) });
          await this.transition(true);
        });
        break;
      default:
        break;
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch(() => undefined);
  }

  /** Re-reads every query; sends what changed (and any new versions) as one transition. */
  private async transition(force = false): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const target = { querySet: this.querySet, identity: this.identity };
    const modifications = [];
    for (const [queryId, query] of this.queries) {
      const result = await this.call("query", query.udfPath, query.args);
      const encoded = JSON.stringify(result);
      if (encoded === query.lastSent) continue;
      query.lastSent = encoded;
      modifications.push(
        result.status === "success"
          ? { type: "QueryUpdated", queryId, value: result.value, logLines: [], journal: null }
          : { type: "QueryFailed", queryId, errorMessage: result.errorMessage, errorData: result.errorData ?? null, logLines: [], journal: null },
      );
    }
    const versionsMoved = target.querySet !== this.sent.querySet || target.identity !== this.sent.identity;
    if (!force && !versionsMoved && modifications.length === 0) return;
    const end = { ...target, ts: ++this.ts };
    this.send({
      type: "Transition",
      startVersion: { querySet: this.sent.querySet, identity: this.sent.identity, ts: encodeTs(this.sent.ts) },
      endVersion: { querySet: end.querySet, identity: end.identity, ts: encodeTs(end.ts) },
      modifications,
    });
    this.sent = end;
  }

  private async call(kind: "query" | "mutation" | "action", path: string, args: Json): Promise<FunctionResult> {
    const response = await fetch(`${this.runtimeUrl}/api/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ path, args }),
    });
    return (await response.json()) as FunctionResult;
  }

  private send(message: object): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

/** Convex's u64 on the wire: 8 bytes little-endian, base64. */
function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}
