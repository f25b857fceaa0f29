// Live reads of the admin API. Each hook is a TanStack query keyed `["convexQuery", "module:function",
// args]` (`convexQuery` from `@convex-dev/react-query`): the QueryClient's default queryFn fetches it
// and the transport connected to that QueryClient (a `ConvexQueryClient`) pushes every new result,
// so the data stays current without polling.
import { convexQuery } from "@convex-dev/react-query";
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import type { RebuildAdminApi } from "./admin-api.ts";

/** The live result of one of the admin module's queries. */
export type LiveQuery<Query extends FunctionReference<"query">> = UseQueryResult<FunctionReturnType<Query>, Error>;

/** A live query: its data updates whenever the backend pushes a new result; "skip" runs nothing. */
function useLiveQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): LiveQuery<Query> {
  // convexQuery's own argument type is a tuple that generic code cannot spell; the key it builds is
  // `["convexQuery", "module:function", args]` either way.
  const options = (convexQuery as (query: Query, args: FunctionArgs<Query> | "skip") => object)(query, args);
  return useQuery(options as Parameters<typeof useQuery<FunctionReturnType<Query>, Error>>[0]);
}

/** Every projection of the code's registry with its stored state (version, active generation, staleness, last rebuild). */
export function useProjections<Api extends Pick<RebuildAdminApi, "projections">>(
  api: Api,
): LiveQuery<Api["projections"]> {
  return useLiveQuery(api.projections, {} as FunctionArgs<Api["projections"]>);
}

/**
 * One rebuild's live status (state, processed, total, percent, eventsPerSecond, etaSeconds,
 * counters...), null when no rebuild has the id. Without an id (not triggered yet) nothing is asked.
 */
export function useRebuildStatus<Api extends Pick<RebuildAdminApi, "status">>(
  api: Api,
  rebuildId: FunctionArgs<Api["status"]>["rebuildId"] | null | undefined,
): LiveQuery<Api["status"]> {
  return useLiveQuery(api.status, rebuildId ? ({ rebuildId } as FunctionArgs<Api["status"]>) : "skip");
}

/** The running and paused rebuilds. */
export function useActiveRebuilds<Api extends Pick<RebuildAdminApi, "listActive">>(
  api: Api,
): LiveQuery<Api["listActive"]> {
  return useLiveQuery(api.listActive, {} as FunctionArgs<Api["listActive"]>);
}

/** Rebuilds newest first, of every projection or of one. */
export function useRebuildHistory<Api extends Pick<RebuildAdminApi, "history">>(
  api: Api,
  args: FunctionArgs<Api["history"]> = {} as FunctionArgs<Api["history"]>,
): LiveQuery<Api["history"]> {
  return useLiveQuery(api.history, args);
}

/** A rebuild's progress over time (events processed, events/s), oldest first; live. Without an id nothing is asked. */
export function useRebuildSamples<Api extends Pick<RebuildAdminApi, "samples">>(
  api: Api,
  rebuildId: FunctionArgs<Api["samples"]>["rebuildId"] | null | undefined,
): LiveQuery<Api["samples"]> {
  return useLiveQuery(api.samples, rebuildId ? ({ rebuildId } as FunctionArgs<Api["samples"]>) : "skip");
}

/** A rebuild's dead-lettered events with their reasons. Without an id nothing is asked. */
export function useDeadLetters<Api extends Pick<RebuildAdminApi, "deadLetters">>(
  api: Api,
  rebuildId: FunctionArgs<Api["deadLetters"]>["rebuildId"] | null | undefined,
  options?: Omit<FunctionArgs<Api["deadLetters"]>, "rebuildId">,
): LiveQuery<Api["deadLetters"]> {
  return useLiveQuery(
    api.deadLetters,
    rebuildId ? ({ ...options, rebuildId } as FunctionArgs<Api["deadLetters"]>) : "skip",
  );
}

/** A rebuild's re-drives of its dead letters, latest first (state, applied, failed again). */
export function useRedrives<Api extends Pick<RebuildAdminApi, "redrives">>(api: Api, rebuildId: string | null | undefined): LiveQuery<Api["redrives"]> {
  return useLiveQuery(api.redrives, rebuildId ? ({ rebuildId } as FunctionArgs<Api["redrives"]>) : "skip");
}

/** Who triggered, cancelled, paused or resumed what, when, and the outcome; newest first. */
export function useAuditLog<Api extends Pick<RebuildAdminApi, "auditLog">>(
  api: Api,
  args: FunctionArgs<Api["auditLog"]> = {} as FunctionArgs<Api["auditLog"]>,
): LiveQuery<Api["auditLog"]> {
  return useLiveQuery(api.auditLog, args);
}
