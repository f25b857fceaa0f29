// The panel's own hooks, about its transport: the backend, its live connection and what it makes
// of the identity. The data hooks (queries and mutations of the admin API) are reproject/react's
// (src/react/), the same for both transports.
import { useContext, useSyncExternalStore } from "react";
import type { AuthStatus, Backend, ConnectionState } from "./backend.ts";
import { BackendContext } from "./BackendProvider.tsx";

export function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error("useBackend needs a <BackendProvider> above it");
  return backend;
}

export function useConnectionState(): ConnectionState {
  const { connection } = useBackend();
  return useSyncExternalStore(connection.subscribe, connection.get);
}

export function useAuthStatus(): AuthStatus {
  const { authentication } = useBackend();
  return useSyncExternalStore(authentication.subscribe, authentication.get);
}
