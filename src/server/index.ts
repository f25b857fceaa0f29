// `reproject/server`: what an app's Convex functions folder uses from Reproject.
export { defineReproject } from "./reproject.ts";
export { reprojectTables } from "./tables.ts";
export type { ActiveReadModel } from "./active-read-model.ts";
export type { ReprojectConfig } from "./config.ts";
export type { NewEvent } from "./event-log.ts";
