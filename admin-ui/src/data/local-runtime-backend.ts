// The local runtime as a backend: queries are subscribed through its Server-Sent Events endpoint
// (`GET /api/subscribe`, a push whenever the result changes: no polling), and fetched once through
// `POST /api/query` when they first load; mutations go through `POST /api/mutation`, run by the
// QueryClient's default mutationFn from their key (`["convexMutation", "module:function"]`, what the
// hooks of src/react/ give every mutation). Values travel in Convex's JSON encoding. The identity
// is an unsigned token the runtime reads as the caller's claims.
import { hashKey, QueryClient, type Query, type QueryFunctionContext } from "@tanstack/react-query";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { encodeIdentityToken } from "../../../src/local/runtime/identity.ts";
import type { FunctionResult } from "../../../src/local/runtime/function-result.ts";
import { isConvexMutationKey } from "../../../src/react/index.ts";
import { BackendError } from "./backend-error.ts";
import { Store, type AuthStatus, type Backend, type ConnectionState } from "./backend.ts";
import type { BackendConfig, DevIdentity } from "./config.ts";

type FunctionKind = "query" | "mutation" | "action";
type ConvexQueryKey = readonly ["convexQuery", string, Record<string, Value>, ...unknown[]];
type AnyQuery = Query<unknown, Error, unknown, readonly unknown[]>;

/**
 * A subscription is closed this long after its last screen unmounted, not at once: React's strict
 * mode and route changes unmount and remount within milliseconds. Browsers allow six connections
 * per host over HTTP/1.1, so idle subscriptions must not pile up either.
 */
const CLOSE_IDLE_STREAM_AFTER_MS = 250;
/** A stream the server ended (an error status) is opened again after this long. */
const REOPEN_FAILED_STREAM_AFTER_MS = 2000;

function isConvexQueryKey(key: readonly unknown[]): key is ConvexQueryKey {
  return key[0] === "convexQuery" && typeof key[1] === "string" && typeof key[2] === "object" && key[2] !== null;
}

export function createLocalRuntimeBackend(
  config: Extract<BackendConfig, { kind: "local" }>,
  identity: DevIdentity | null,
): Backend {
  const token = identity ? encodeIdentityToken({ ...identity }) : null;
  const monitor = new Store<ConnectionState>({ status: "connecting" });
  const streams = new Map<string, QueryStream>();
  const call = (kind: FunctionKind, path: string, args: Value, signal?: AbortSignal) =>
    callFunction(config.url, token, kind, path, args, signal);

  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        queryFn: async (context: QueryFunctionContext) => {
          if (!isConvexQueryKey(context.queryKey)) throw new Error(`not a Convex query key: ${String(context.queryKey)}`);
          const [, path, args] = context.queryKey;
          const stream = streams.get(hashKey(context.queryKey));
          const pushesBefore = stream?.pushes ?? 0;
          const value = await call("query", path, args, context.signal);
          // A push that arrived while this request was out is at least as new as its answer.
          if (stream && stream.pushes > pushesBefore && stream.latest) return valueOf(stream.latest);
          return value;
        },
        // Results arrive by push; a refusal or an error is shown at once rather than retried.
        staleTime: Infinity,
        retry: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: {
        mutationFn: (args, { mutationKey }) => {
          if (!isConvexMutationKey(mutationKey)) throw new Error(`not a Convex mutation key: ${String(mutationKey)}`);
          return call("mutation", mutationKey[1], args as Value);
        },
      },
    },
  });

  const updateConnection = () => {
    const all = [...streams.values()];
    const failed = all.find((stream) => stream.state === "failed");
    if (failed) {
      monitor.set({
        status: "reconnecting",
        reason: failed.everOpened
          ? `lost the live connection to the local runtime at ${config.url}`
          : `cannot open a live connection to the local runtime at ${config.url}`,
      });
    } else if (all.some((stream) => stream.state === "open")) {
      monitor.set({ status: "live" });
    }
  };

  const deliver = (queryHash: string, result: FunctionResult) => {
    const query = queryClient.getQueryCache().get(queryHash) as AnyQuery | undefined;
    if (!query) return;
    if (result.status === "success") {
      queryClient.setQueryData(query.queryKey, jsonToConvex(result.value));
    } else {
      const error = functionError(result);
      query.setState({
        status: "error",
        fetchStatus: "idle",
        error,
        errorUpdateCount: query.state.errorUpdateCount + 1,
        errorUpdatedAt: Date.now(),
        fetchFailureCount: query.state.fetchFailureCount + 1,
        fetchFailureReason: error,
      });
    }
  };

  const openStream = (query: AnyQuery) => {
    const existing = streams.get(query.queryHash);
    if (existing) return existing.keep();
    const key = query.queryKey as unknown as ConvexQueryKey;
    const url = new URL("/api/subscribe", config.url);
    url.searchParams.set("path", key[1]);
    url.searchParams.set("args", JSON.stringify(convexToJson(key[2])));
    if (token) url.searchParams.set("token", token);
    const stream = new QueryStream(url.toString(), {
      result: (result) => deliver(query.queryHash, result),
      stateChanged: updateConnection,
      closed: () => {
        if (streams.get(query.queryHash) === stream) streams.delete(query.queryHash);
        updateConnection();
      },
    });
    streams.set(query.queryHash, stream);
  };

  const unsubscribeCache = queryClient.getQueryCache().subscribe((event) => {
    if (!isConvexQueryKey(event.query.queryKey)) return;
    const query = event.query as AnyQuery;
    if (event.type === "observerAdded") openStream(query);
    else if (event.type === "observerRemoved" && query.getObserversCount() === 0) streams.get(query.queryHash)?.closeSoon();
    else if (event.type === "removed") streams.get(query.queryHash)?.close();
  });

  return {
    config,
    queryClient,
    convex: null,
    connection: monitor,
    authentication: new Store<AuthStatus>(token ? "claimed" : "anonymous"),
    runAction: (path, args) => call("action", path, args),
    close() {
      unsubscribeCache();
      for (const stream of [...streams.values()]) stream.close();
      queryClient.clear();
    },
  };
}

interface StreamEvents {
  result(result: FunctionResult): void;
  stateChanged(): void;
  closed(): void;
}

/** One query's Server-Sent Events subscription. */
class QueryStream {
  state: "connecting" | "open" | "failed" = "connecting";
  everOpened = false;
  /** Results pushed so far, and the newest one. */
  pushes = 0;
  latest: FunctionResult | undefined;
  private source: EventSource | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly events: StreamEvents,
  ) {
    this.open();
  }

  /** A screen uses the query again: cancel a pending close. */
  keep(): void {
    clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
  }

  closeSoon(): void {
    if (this.closeTimer === undefined) this.closeTimer = setTimeout(() => this.close(), CLOSE_IDLE_STREAM_AFTER_MS);
  }

  close(): void {
    clearTimeout(this.closeTimer);
    clearTimeout(this.reopenTimer);
    this.source?.close();
    this.source = undefined;
    this.events.closed();
  }

  private open(): void {
    const source = new EventSource(this.url);
    this.source = source;
    source.onopen = () => this.setState("open");
    source.onmessage = (message: MessageEvent<string>) => {
      let result: FunctionResult;
      try {
        result = JSON.parse(message.data) as FunctionResult;
      } catch {
        result = { status: "error", errorMessage: `the local runtime pushed an unreadable result: ${message.data.slice(0, 200)}` };
      }
      this.pushes++;
      this.latest = result;
      this.setState("open");
      this.events.result(result);
    };
    source.onerror = () => {
      this.setState("failed");
      // CONNECTING: the browser retries by itself (the server asks for 1 s). CLOSED: the server
      // answered with an error status; try again a little later.
      if (source.readyState === EventSource.CLOSED && this.source === source) {
        this.reopenTimer = setTimeout(() => this.source === source && this.open(), REOPEN_FAILED_STREAM_AFTER_MS);
      }
    };
  }

  private setState(state: QueryStream["state"]): void {
    if (state === "open") this.everOpened = true;
    if (this.state === state) return;
    this.state = state;
    this.events.stateChanged();
  }
}

async function callFunction(
  baseUrl: string,
  token: string | null,
  kind: FunctionKind,
  path: string,
  args: Value,
  signal?: AbortSignal,
): Promise<Value> {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/${kind}`, baseUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ path, args: convexToJson(args), format: "json" }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new BackendError(
      "network",
      `cannot reach the local runtime at ${baseUrl} (${(error as Error).message}); start it with: npx tsx src/local/runtime/serve.ts`,
    );
  }
  let body: FunctionResult;
  try {
    body = (await response.json()) as FunctionResult;
  } catch {
    throw new BackendError("request", `the local runtime answered ${path} with HTTP ${response.status} and no readable body`);
  }
  if (body.status === "success") return jsonToConvex(body.value);
  // 4xx: the runtime refused the request itself (bad token, unknown function); 560: the function threw.
  if (response.status >= 400 && response.status < 500) throw new BackendError("request", body.errorMessage);
  throw functionError(body);
}

function valueOf(result: FunctionResult): Value {
  if (result.status === "success") return jsonToConvex(result.value);
  throw functionError(result);
}

function functionError(result: Extract<FunctionResult, { status: "error" }>): BackendError {
  const data = result.errorData === undefined ? undefined : jsonToConvex(result.errorData as JSONValue);
  return new BackendError("function", result.errorMessage, data);
}
