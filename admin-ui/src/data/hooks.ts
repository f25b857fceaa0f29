// The hooks the screens use, the same for both transports: `useConvexQuery(api.rebuilds.status,
// { rebuildId })` is a live TanStack query, `useConvexMutation(api.rebuilds.trigger)` a TanStack
// mutation.
import { convexQuery } from "@convex-dev/react-query";
import { useMutation, useQuery, type UseMutationResult, type UseQueryResult } from "@tanstack/react-query";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { useContext, useSyncExternalStore } from "react";
import type { AuthStatus, Backend, ConnectionState } from "./backend.ts";
import { BackendContext } from "./BackendProvider.tsx";

export function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error("useBackend needs a <BackendProvider> above it");
  return backend;
}

/** A live query: its data updates whenever the backend pushes a new result. */
export function useConvexQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): UseQueryResult<FunctionReturnType<Query>, Error> {
  // convexQuery's own argument type is a tuple that generic code cannot spell; the key it builds is
  // `["convexQuery", "module:function", args]` either way.
  const options = (convexQuery as (query: Query, args: FunctionArgs<Query> | "skip") => object)(query, args);
  return useQuery(options as Parameters<typeof useQuery<FunctionReturnType<Query>, Error>>[0]);
}

export function useConvexMutation<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): UseMutationResult<FunctionReturnType<Mutation>, Error, FunctionArgs<Mutation>> {
  const backend = useBackend();
  return useMutation({ mutationFn: (args: FunctionArgs<Mutation>) => backend.mutation(mutation, args) });
}

export function useConnectionState(): ConnectionState {
  const { connection } = useBackend();
  return useSyncExternalStore(connection.subscribe, connection.get);
}

export function useAuthStatus(): AuthStatus {
  const { authentication } = useBackend();
  return useSyncExternalStore(authentication.subscribe, authentication.get);
}
