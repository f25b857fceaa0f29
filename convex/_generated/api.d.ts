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
import type * as replayPool from "../replayPool.js";
import type * as selfCheck from "../selfCheck.js";
import type * as selfCheckNode from "../selfCheckNode.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  replayPool: typeof replayPool;
  selfCheck: typeof selfCheck;
  selfCheckNode: typeof selfCheckNode;
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
