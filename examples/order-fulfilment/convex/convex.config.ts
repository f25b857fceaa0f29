import { defineApp } from "convex/server";
import reproject from "reproject/convex.config";

const app = defineApp();
app.use(reproject);

export default app;
