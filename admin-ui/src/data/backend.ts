// The one data layer the screens use, whatever the transport: a TanStack QueryClient that the
// hooks of reproject/react (src/react/) read and write through. Queries are Convex queries kept live
// by the transport's subscriptions; mutations run on the deployment's client, or through the
// QueryClient's default mutationFn (the local runtime).
import type { QueryClient } from "@tanstack/react-query";
import type { ConvexReactClient } from "convex/react";
import type { Value } from "convex/values";
import type { BackendConfig } from "./config.ts";

/** How the live connection to the backend is doing, for the top bar. */
export type ConnectionState =
  | { status: "connecting" }
  | { status: "live" }
  | { status: "reconnecting"; reason: string };

/**
 * What the backend makes of the identity: none sent; claimed (the local runtime takes its unsigned
 * dev token as it is); being checked, accepted or refused by a deployment.
 */
export type AuthStatus = "anonymous" | "claimed" | "checking" | "accepted" | "refused";

export interface Backend {
  readonly config: BackendConfig;
  /**
   * Holds every query's result; keys are `["convexQuery", "module:function", args]`. Without a
   * Convex client, its default mutationFn runs mutations keyed `["convexMutation", "module:function"]`.
   */
  readonly queryClient: QueryClient;
  /** A deployment's client, given to <ConvexProvider>: the hooks run mutations on it. */
  readonly convex: ConvexReactClient | null;
  readonly connection: Store<ConnectionState>;
  readonly authentication: Store<AuthStatus>;
  /** Runs a public action ("module:function") once, as the signed-in identity: actions are not subscriptions. */
  runAction(path: string, args: Record<string, Value>): Promise<Value>;
  /** Ends every subscription; the backend is not used afterwards. */
  close(): void;
}

/** A tiny external store, for `useSyncExternalStore`. */
export class Store<T> {
  private readonly listeners = new Set<() => void>();
  constructor(private value: T) {}

  readonly get = (): T => this.value;

  set(value: T): void {
    if (JSON.stringify(value) === JSON.stringify(this.value)) return;
    this.value = value;
    for (const listener of this.listeners) listener();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
