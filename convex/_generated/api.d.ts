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
import type * as crons from "../crons.js";
import type * as envelope from "../envelope.js";
import type * as projections from "../projections.js";
import type * as rebuildNotifications from "../rebuildNotifications.js";
import type * as rebuilds from "../rebuilds.js";
import type * as reproject from "../reproject.js";
import type * as reprojectNode from "../reprojectNode.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  crons: typeof crons;
  envelope: typeof envelope;
  projections: typeof projections;
  rebuildNotifications: typeof rebuildNotifications;
  rebuilds: typeof rebuilds;
  reproject: typeof reproject;
  reprojectNode: typeof reprojectNode;
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
  reproject: import("reproject/_generated/component.js").ComponentApi<"reproject">;
};
