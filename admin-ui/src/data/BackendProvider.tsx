// Creates the backend for the configured transport and the current session, and gives the screens
// its QueryClient (and a deployment's Convex client), which the hooks of src/react/ use. A new session (sign-in, switch identity) gets a new backend: the identity is part of
// every subscription, so nothing of the previous one may linger.
import { QueryClientProvider } from "@tanstack/react-query";
import { ConvexProvider } from "convex/react";
import { createContext, useEffect, useState, type ReactNode } from "react";
import type { Backend } from "./backend.ts";
import type { BackendConfig } from "./config.ts";
import { createDeploymentBackend } from "./deployment-backend.ts";
import { createLocalRuntimeBackend } from "./local-runtime-backend.ts";
import type { Session } from "./session.ts";

export const BackendContext = createContext<Backend | null>(null);

export function createBackend(config: BackendConfig, session: Session): Backend {
  if (config.kind === "deployment") return createDeploymentBackend(config, session);
  return createLocalRuntimeBackend(config, session.kind === "dev-identity" ? session.identity : null);
}

export function BackendProvider({ config, session, children }: { config: BackendConfig; session: Session; children: ReactNode }) {
  const [backend, setBackend] = useState<Backend | null>(null);
  useEffect(() => {
    const created = createBackend(config, session);
    setBackend(created);
    return () => created.close();
  }, [config, session]);
  if (!backend) return null;
  const queries = <QueryClientProvider client={backend.queryClient}>{children}</QueryClientProvider>;
  return (
    <BackendContext.Provider value={backend}>
      {backend.convex ? <ConvexProvider client={backend.convex}>{queries}</ConvexProvider> : queries}
    </BackendContext.Provider>
  );
}
