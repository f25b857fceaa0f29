import workpool from "@convex-dev/workpool/test";
import { convexTest } from "convex-test";
import schema from "../../convex/schema";
import { modules } from "../../convex/test.setup";

/** A convex-test instance of the app with the real replay Workpool component and Convex's transaction limits enforced. */
export function createConvexTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  workpool.register(t, "replayPool");
  return t;
}
