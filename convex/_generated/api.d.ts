/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as archiver from "../archiver.js";
import type * as archiverNode from "../archiverNode.js";
import type * as audit from "../audit.js";
import type * as auth from "../auth.js";
import type * as crons from "../crons.js";
import type * as envelope from "../envelope.js";
import type * as events from "../events.js";
import type * as maintenance from "../maintenance.js";
import type * as maintenanceNode from "../maintenanceNode.js";
import type * as pageSize from "../pageSize.js";
import type * as projections from "../projections.js";
import type * as readModels from "../readModels.js";
import type * as rebuilds from "../rebuilds.js";
import type * as replay_chunk from "../replay/chunk.js";
import type * as replay_commit from "../replay/commit.js";
import type * as replay_generations from "../replay/generations.js";
import type * as replay_lifecycle from "../replay/lifecycle.js";
import type * as replay_permanentErrors from "../replay/permanentErrors.js";
import type * as replay_planning from "../replay/planning.js";
import type * as replay_reconcile from "../replay/reconcile.js";
import type * as replay_verify from "../replay/verify.js";
import type * as selfCheck from "../selfCheck.js";
import type * as selfCheckNode from "../selfCheckNode.js";
import type * as settings from "../settings.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  archiver: typeof archiver;
  archiverNode: typeof archiverNode;
  audit: typeof audit;
  auth: typeof auth;
  crons: typeof crons;
  envelope: typeof envelope;
  events: typeof events;
  maintenance: typeof maintenance;
  maintenanceNode: typeof maintenanceNode;
  pageSize: typeof pageSize;
  projections: typeof projections;
  readModels: typeof readModels;
  rebuilds: typeof rebuilds;
  "replay/chunk": typeof replay_chunk;
  "replay/commit": typeof replay_commit;
  "replay/generations": typeof replay_generations;
  "replay/lifecycle": typeof replay_lifecycle;
  "replay/permanentErrors": typeof replay_permanentErrors;
  "replay/planning": typeof replay_planning;
  "replay/reconcile": typeof replay_reconcile;
  "replay/verify": typeof replay_verify;
  selfCheck: typeof selfCheck;
  selfCheckNode: typeof selfCheckNode;
  settings: typeof settings;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  reproject: import("../../src/component/componentApi.ts").ComponentApi<"reproject">;
};
