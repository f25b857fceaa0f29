// `reproject/server`: what an app's Convex functions folder uses from Reproject.
export { adminFromEnvironment } from "./admin.ts";
export {
  defineReproject,
  ReprojectConfigError,
  type ExportedFunctions,
  type ExportedNodeFunctions,
} from "./reproject.ts";
export { reprojectTables } from "./tables.ts";
export { vRebuildNotification, type RebuildNotification } from "../component/validators.ts";
export type { ActiveReadModel } from "./active-read-model.ts";
export type { Authorization, AuthorizeAdmin, ReprojectConfig, ReprojectModules } from "./config.ts";
export type { NewEvent } from "./event-log.ts";
