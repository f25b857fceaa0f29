import { defineApp } from "convex/server";
import workpool from "@convex-dev/workpool/convex.config";
import reproject from "../src/component/convex.config.ts";

const app = defineApp();
// Rebuild chunks run on their own pool so live traffic keeps the default capacity.
app.use(workpool, { name: "replayPool" });
app.use(reproject);

export default app;
