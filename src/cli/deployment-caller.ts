// The CLI's calls to a Convex deployment (or to a local runtime served over HTTP, which speaks the
// same API): the app's public admin functions over HTTP, as the signed-in operator the token names.
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import type { RuntimeCaller } from "./runtime-calls.ts";

/** The module the app exports `reproject.adminApi()` from, when the app uses another than `rebuilds`. */
const DEFAULT_ADMIN_MODULE = "rebuilds";
/** The "use node" module the app exports `reprojectNode(reproject)` from (its public `preflight` action). */
const DEFAULT_NODE_MODULE = "reprojectNode";

/**
 * A caller for the admin API at `url`: paths of the demo's `rebuilds` and `reprojectNode` modules are
 * sent to the app's `adminModule` and `nodeModule`. A call the deployment refuses throws with its message.
 */
export function deploymentCaller(
  url: string,
  token: string | undefined,
  adminModule = DEFAULT_ADMIN_MODULE,
  nodeModule = DEFAULT_NODE_MODULE,
): RuntimeCaller {
  const client = new ConvexHttpClient(url, { logger: false });
  if (token) client.setAuth(token);
  const pathIn = (path: string) =>
    path.replace(/^rebuilds:/, `${adminModule}:`).replace(/^reprojectNode:/, `${nodeModule}:`);
  return {
    async call(kind, path, args) {
      const callArgs = (args ?? {}) as Record<string, Value>;
      if (kind === "query") return client.query(makeFunctionReference<"query">(pathIn(path)), callArgs);
      if (kind === "mutation") return client.mutation(makeFunctionReference<"mutation">(pathIn(path)), callArgs);
      return client.action(makeFunctionReference<"action">(pathIn(path)), callArgs);
    },
  };
}
