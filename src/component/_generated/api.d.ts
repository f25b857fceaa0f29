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
import type * as appFunctions from "../appFunctions.js";
import type * as audit from "../audit.js";
import type * as automaticRebuilds from "../automaticRebuilds.js";
import type * as componentApi from "../componentApi.js";
import type * as deadLetters from "../deadLetters.js";
import type * as estimates from "../estimates.js";
import type * as event_validators from "../event-validators.js";
import type * as generationDeletions from "../generationDeletions.js";
import type * as lanes from "../lanes.js";
import type * as lifecycle from "../lifecycle.js";
import type * as maintenanceRuns from "../maintenanceRuns.js";
import type * as notifications from "../notifications.js";
import type * as parkedKeys from "../parkedKeys.js";
import type * as pins from "../pins.js";
import type * as projections from "../projections.js";
import type * as rebuilds from "../rebuilds.js";
import type * as redrives from "../redrives.js";
import type * as replayPool from "../replayPool.js";
import type * as retention from "../retention.js";
import type * as samples from "../samples.js";
import type * as selfChecks from "../selfChecks.js";
import type * as status from "../status.js";
import type * as validators from "../validators.js";
import type * as verify from "../verify.js";
import type * as watchdog from "../watchdog.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  appFunctions: typeof appFunctions;
  audit: typeof audit;
  automaticRebuilds: typeof automaticRebuilds;
  componentApi: typeof componentApi;
  deadLetters: typeof deadLetters;
  estimates: typeof estimates;
  "event-validators": typeof event_validators;
  generationDeletions: typeof generationDeletions;
  lanes: typeof lanes;
  lifecycle: typeof lifecycle;
  maintenanceRuns: typeof maintenanceRuns;
  notifications: typeof notifications;
  parkedKeys: typeof parkedKeys;
  pins: typeof pins;
  projections: typeof projections;
  rebuilds: typeof rebuilds;
  redrives: typeof redrives;
  replayPool: typeof replayPool;
  retention: typeof retention;
  samples: typeof samples;
  selfChecks: typeof selfChecks;
  status: typeof status;
  validators: typeof validators;
  verify: typeof verify;
  watchdog: typeof watchdog;
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
  replayPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"replayPool">;
};
