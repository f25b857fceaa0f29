// A rebuild's pre-flight plan for the trigger dialog's review step: the app's public `preflight`
// action (it reads the archive, so it is an action, run once per review rather than subscribed to).
import { useQuery } from "@tanstack/react-query";
import { getFunctionName, type FunctionReturnType } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { RebuildOptions } from "./api-types.ts";
import { useBackend } from "./hooks.ts";

export type PreflightPlan = FunctionReturnType<typeof api.reprojectNode.preflight>;

const PREFLIGHT = getFunctionName(api.reprojectNode.preflight);

export function usePreflightPlan(projection: string, options: RebuildOptions) {
  const backend = useBackend();
  return useQuery({
    queryKey: ["preflight", projection, options],
    queryFn: async () => (await backend.runAction(PREFLIGHT, { projection, options })) as PreflightPlan,
    // The archive may change between two reviews: plan again each time the step opens.
    gcTime: 0,
    staleTime: Infinity,
    retry: false,
  });
}
