import { defineApp } from "convex/server";
import workpool from "@convex-dev/workpool/convex.config";

const app = defineApp();
// Rebuild chunks run on their own pool so live traffic keeps the default capacity.
app.use(workpool, { name: "replayPool" });

export default app;
