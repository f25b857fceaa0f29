import { defineApp } from "convex/server";
import reproject from "reproject/convex.config";

const app = defineApp();
// Reproject's engine state and its replay Workpool (chunks run there, at low parallelism).
app.use(reproject);

export default app;
