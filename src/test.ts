/// <reference types="vite/client" />
// `reproject/test`: Reproject's component (and the replay Workpool inside it) for convex-test,
// the way `@convex-dev/workpool/test` registers the Workpool.
//
//   const t = convexTest(schema, modules);
//   reprojectTest.register(t);             // the name app.use(reproject) gave it: "reproject"
import workpool from "@convex-dev/workpool/test";
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "./component/schema.ts";

// Two dots in a name mark files the Convex CLI never deploys (this one's siblings, test set-ups).
const modules = import.meta.glob(["./component/**/*.*s", "!./component/**/*.*.*s"]);

export function register<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  name = "reproject",
): void {
  t.registerComponent(name, schema, modules);
  workpool.register(t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>, `${name}/replayPool`);
}

export default { register, schema, modules };
