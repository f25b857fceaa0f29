// `reproject/server`: what an app's Convex functions folder uses from Reproject.
export { reprojectTables } from "./tables.ts";
