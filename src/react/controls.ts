// The admin mutations as TanStack mutations. They run on the `ConvexReactClient` of the nearest
// `<ConvexProvider>` (the standard `@convex-dev/react-query` setup). Without one, the QueryClient's
// default mutationFn runs them: it is called with the mutation's key, `["convexMutation",
// "module:function"]`, the way its default queryFn is called with a query's key. That is how a
// transport other than `ConvexReactClient` plugs in (the admin panel's local runtime does).
import { useMutation, useQueryClient, type QueryClient, type UseMutationResult } from "@tanstack/react-query";
import { useConvex } from "convex/react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import type { RebuildAdminApi, RebuildControlName } from "./admin-api.ts";

export type ConvexMutationKey = readonly ["convexMutation", string];

export function isConvexMutationKey(key: readonly unknown[] | undefined): key is ConvexMutationKey {
  return key?.[0] === "convexMutation" && typeof key[1] === "string";
}

/** One admin mutation: `mutate(args)`, `isPending`, `data` (the server's answer, refusals included), `error`. */
export type AdminMutation<Mutation extends FunctionReference<"mutation">> = UseMutationResult<
  FunctionReturnType<Mutation>,
  Error,
  FunctionArgs<Mutation>
>;

export type RebuildControls<Api extends Pick<RebuildAdminApi, RebuildControlName>> = {
  [Name in RebuildControlName]: AdminMutation<Api[Name]>;
};

/**
 * trigger (`{ projection, options? }`), and cancel, pause, resume, promote, discard (`{ rebuildId }`).
 * Each answers with a status (`started`, `paused`, `refused`...) rather than throwing on a refusal.
 */
export function useRebuildControls<Api extends Pick<RebuildAdminApi, RebuildControlName>>(api: Api): RebuildControls<Api> {
  return {
    trigger: useAdminMutation(api.trigger),
    cancel: useAdminMutation(api.cancel),
    pause: useAdminMutation(api.pause),
    resume: useAdminMutation(api.resume),
    promote: useAdminMutation(api.promote),
    discard: useAdminMutation(api.discard),
  };
}

/** Re-drives a `dead-letter-key` rebuild's dead letters (`{ rebuildId }`): `started`, `already_running`, or a refusal with its reason. */
export function useRedriveDeadLetters<Api extends Pick<RebuildAdminApi, "redriveDeadLetters">>(api: Api): AdminMutation<Api["redriveDeadLetters"]> {
  return useAdminMutation(api.redriveDeadLetters);
}

function useAdminMutation<Mutation extends FunctionReference<"mutation">>(mutation: Mutation): AdminMutation<Mutation> {
  // undefined outside a <ConvexProvider>, whatever its declared type says.
  const convex = useConvex() as ReturnType<typeof useConvex> | undefined;
  const queryClient = useQueryClient();
  const mutationKey: ConvexMutationKey = ["convexMutation", getFunctionName(mutation)];
  if (!convex && !hasDefaultMutationFn(queryClient, mutationKey)) {
    throw new Error(
      `${mutationKey[1]} has nothing to run it: render the hooks inside <ConvexProvider client={convex}>, or give the QueryClient a default mutationFn for keys ["convexMutation", "module:function"]`,
    );
  }
  return useMutation<FunctionReturnType<Mutation>, Error, FunctionArgs<Mutation>>({
    mutationKey,
    ...(convex
      ? { mutationFn: (args: FunctionArgs<Mutation>) => convex.mutation(mutation, args) as Promise<FunctionReturnType<Mutation>> }
      : {}),
  });
}

function hasDefaultMutationFn(queryClient: QueryClient, mutationKey: ConvexMutationKey): boolean {
  return Boolean(queryClient.getMutationDefaults(mutationKey).mutationFn ?? queryClient.getDefaultOptions().mutations?.mutationFn);
}
