// References to the app-side functions, by the module paths the app exports them from: the
// engine's functions call each other through these (a Node chunk action runs the batch mutation),
// and hand them to the component as function handles. Built from names, not from the app's
// `internal` api, so that the app's `convex/reproject.ts` does not depend on its own types.
import { makeFunctionReference, type FunctionReference, type FunctionType } from "convex/server";
import { v, type Infer, type ObjectType, type PropertyValidators, type Validator } from "convex/values";
import { vGenerationDeletionPage, vPinnedSnapshots } from "../component/validators.ts";
import type { ReprojectModules } from "./config.ts";
import * as validators from "./function-validators.ts";

type Reference<Type extends FunctionType, Args extends PropertyValidators, Returns> = FunctionReference<
  Type,
  "internal",
  ObjectType<Args>,
  Returns
>;

/** A reference typed by the function's own validators (which only give it its type here). */
function reference<
  Type extends FunctionType,
  Args extends PropertyValidators,
  Returns extends Validator<any, any, any> | null,
>(
  _type: Type,
  path: string,
  _args: Args,
  _returns: Returns,
): Reference<Type, Args, Returns extends Validator<any, any, any> ? Infer<Returns> : null> {
  return makeFunctionReference(path) as never;
}

/** Every function `reproject.functions()` defines, by the name the app exports it under. */
export const FUNCTION_NAMES = [
  "storePlan",
  "applyBatch",
  "finishTail",
  "diffBatch",
  "deleteGeneration",
  "reconcile",
  "eventsAfter",
  "startLog",
  "append",
  "eventLogState",
  "readModelPage",
  "eventsToArchive",
  "recordArchived",
  "deleteArchived",
  "pinnedSnapshots",
  "startMaintenance",
  "recordMaintenance",
  "startSelfCheck",
  "latestSelfCheck",
  "superviseRebuilds",
  "applyRetention",
  "redriveBatch",
] as const;

/** Every Node action `reprojectNode(reproject)` defines. */
export const NODE_FUNCTION_NAMES = [
  "initializeLog",
  "plan",
  "chunk",
  "archive",
  "compact",
  "expire",
  "cleanOrphans",
  "maintain",
  "probeNodeRuntime",
] as const;

export type EngineReferences = ReturnType<typeof engineReferences>;

export function engineReferences({ functions, node }: ReprojectModules) {
  const fn = (name: (typeof FUNCTION_NAMES)[number]) => `${functions}:${name}`;
  const action = (name: (typeof NODE_FUNCTION_NAMES)[number]) => `${node}:${name}`;
  return {
    storePlan: reference("mutation", fn("storePlan"), validators.storePlanArgs, null),
    applyBatch: reference("mutation", fn("applyBatch"), validators.applyBatchArgs, validators.vBatchOutcome),
    finishTail: reference("mutation", fn("finishTail"), validators.finishTailArgs, validators.vTailOutcome),
    diffBatch: reference("mutation", fn("diffBatch"), validators.diffBatchArgs, validators.vDiffBatchAnswer),
    deleteGeneration: reference(
      "mutation",
      fn("deleteGeneration"),
      validators.deleteGenerationArgs,
      vGenerationDeletionPage,
    ),
    eventsAfter: reference("query", fn("eventsAfter"), validators.eventsAfterArgs, validators.vEventPage),
    eventLogState: reference("query", fn("eventLogState"), {}, validators.vEventLogState),
    startLog: reference("mutation", fn("startLog"), validators.startLogArgs, validators.vEventLogStart),
    eventsToArchive: reference(
      "query",
      fn("eventsToArchive"),
      validators.eventsToArchiveArgs,
      validators.vEventRecords,
    ),
    recordArchived: reference("mutation", fn("recordArchived"), validators.recordArchivedArgs, v.number()),
    deleteArchived: reference("mutation", fn("deleteArchived"), {}, v.number()),
    pinnedSnapshots: reference("query", fn("pinnedSnapshots"), {}, vPinnedSnapshots),
    redriveBatch: reference("mutation", fn("redriveBatch"), validators.redriveBatchArgs, null),
    recordMaintenance: reference("mutation", fn("recordMaintenance"), validators.maintenanceRecordArgs, null),
    plan: reference("action", action("plan"), { rebuildId: validators.diffBatchArgs.rebuildId }, null),
    chunk: reference("action", action("chunk"), { rebuildId: validators.diffBatchArgs.rebuildId }, null),
    maintain: reference("action", action("maintain"), validators.maintainArgs, null),
    probeNodeRuntime: reference("action", action("probeNodeRuntime"), {}, null),
  };
}
