// A Convex deployment as a backend: `ConvexReactClient` (one WebSocket, reactive queries) bridged
// into TanStack Query by `@convex-dev/react-query`, the standard setup an app has, so the screens
// read it exactly as they read the local runtime; mutations run on the client through
// <ConvexProvider>. Auth goes through `ConvexReactClient.setAuth` with a token fetcher.
import { ConvexQueryClient } from "@convex-dev/react-query";
import { QueryClient } from "@tanstack/react-query";
import type { AuthTokenFetcher } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { Store, type AuthStatus, type Backend, type ConnectionState } from "./backend.ts";
import type { BackendConfig } from "./config.ts";
import { tokenProvider } from "./deployment-auth.ts";
import type { Session } from "./session.ts";

export function createDeploymentBackend(config: Extract<BackendConfig, { kind: "deployment" }>, session: Session): Backend {
  const convex = new ConvexReactClient(config.url);
  const convexQueryClient = new ConvexQueryClient(convex);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        queryKeyHashFn: convexQueryClient.hashFn(),
        queryFn: convexQueryClient.queryFn(),
        staleTime: Infinity,
        // A refusal is shown at once rather than retried; the subscription brings later changes.
        retry: false,
        refetchOnWindowFocus: false,
      },
    },
  });
  convexQueryClient.connect(queryClient);

  const authentication = new Store<AuthStatus>("anonymous");
  const fetchToken = tokenFetcher(session);
  if (fetchToken) {
    authentication.set("checking");
    convex.setAuth(fetchToken, (isAuthenticated) => {
      authentication.set(isAuthenticated ? "accepted" : "refused");
      // Queries that failed before the identity was accepted do not recover by themselves.
      if (isAuthenticated) void queryClient.resetQueries();
    });
  }

  const connection = new Store<ConnectionState>({ status: "connecting" });
  const stopWatching = convex.subscribeToConnectionState((state) =>
    connection.set(
      state.isWebSocketConnected
        ? { status: "live" }
        : state.hasEverConnected
          ? { status: "reconnecting", reason: `lost the connection to ${config.url}` }
          : { status: "connecting" },
    ),
  );

  return {
    config,
    queryClient,
    convex,
    connection,
    authentication,
    runAction: (path, args) => convex.action(makeFunctionReference<"action">(path), args),
    close() {
      stopWatching();
      convexQueryClient.unsubscribe?.();
      queryClient.clear();
      void convex.close();
    },
  };
}

function tokenFetcher(session: Session): AuthTokenFetcher | null {
  switch (session.kind) {
    case "token":
      return async () => session.token;
    case "provider":
      return tokenProvider()?.fetchToken ?? null;
    default:
      return null;
  }
}
