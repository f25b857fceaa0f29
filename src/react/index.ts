// reproject/react: hooks for an app's own rebuild dashboard, over TanStack Query and
// `@convex-dev/react-query`. Pass them the app's admin module (`api.rebuilds`); their data and
// arguments are typed from its function references. They run inside a <QueryClientProvider> whose
// QueryClient is connected to a `ConvexQueryClient`, under the <ConvexProvider> of the same client.
export type {
  ProjectionLanes,
  RebuildAdminApi,
  RebuildControlName,
  RebuildLaneProgress,
  RebuildProgressStatus,
  RebuildProjection,
} from "./admin-api.ts";
export { deadLettersAsJsonLines } from "./dead-letters-export.ts";
export {
  isConvexMutationKey,
  useRebuildControls,
  useRedriveDeadLetters,
  type AdminMutation,
  type ConvexMutationKey,
  type RebuildControls,
} from "./controls.ts";
export { formatCount, formatEta, formatPercent, formatRate } from "./format.ts";
export { rebuildDurationMs } from "./progress.ts";
export { RebuildProgress } from "./RebuildProgress.tsx";
export {
  type LiveQuery,
  useActiveRebuilds,
  useAuditLog,
  useDeadLetters,
  useProjections,
  useRebuildHistory,
  useRebuildSamples,
  useRebuildStatus,
  useRedrives,
} from "./queries.ts";
