// The shapes the screens show, straight from the backend's function types (convex/rebuilds.ts).
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";

export type RebuildStatus = NonNullable<FunctionReturnType<typeof api.rebuilds.status>>;
export type RebuildState = RebuildStatus["state"];
export type Counters = RebuildStatus["counters"];
export type ProjectionInfo = FunctionReturnType<typeof api.rebuilds.projections>[number];
/** Whether a projection can be rebuilt in lanes (its default and most lanes); null when it declares no lane key. */
export type ProjectionLanes = NonNullable<ProjectionInfo["lanes"]>;
/** A lane of a rebuild in lanes: its own processed, rate, retries and whether it is done. */
export type LaneStatus = RebuildStatus["lanes"][number];
export type AuditEntry = FunctionReturnType<typeof api.rebuilds.auditLog>[number];
export type DeadLetter = FunctionReturnType<typeof api.rebuilds.deadLetters>[number];
export type TriggerAnswer = FunctionReturnType<typeof api.rebuilds.trigger>;
export type ControlAnswer = FunctionReturnType<typeof api.rebuilds.cancel>;
export type RebuildOptions = NonNullable<FunctionArgs<typeof api.rebuilds.trigger>["options"]>;
export type RebuildFilter = NonNullable<RebuildOptions["filter"]>;
/** A verify run's comparison of its shadow generation with the active one. */
export type VerifyResult = NonNullable<RebuildStatus["verify"]>;
export type DiffSample = VerifyResult["samples"][number];
export type ShadowState = VerifyResult["shadow"];
