// Reproject wired into the demo app: its component, projections, event envelope and admin check,
// and the engine's functions exported where the engine calls them (`reproject:*`).
import { adminFromEnvironment, defineReproject } from "reproject/server";
import { components } from "./_generated/api";
import { envelope } from "./envelope";
import { registry } from "./projections";

export const reproject = defineReproject({
  component: components.reproject,
  registry,
  envelope,
  authorize: adminFromEnvironment(),
  notify: "rebuildNotifications:record",
});

export const {
  storePlan,
  applyBatch,
  finishTail,
  diffBatch,
  deleteGeneration,
  reconcile,
  eventsAfter,
  startLog,
  append,
  eventLogState,
  readModelPage,
  eventsToArchive,
  recordArchived,
  deleteArchived,
  pinnedSnapshots,
  startMaintenance,
  recordMaintenance,
  startSelfCheck,
  latestSelfCheck,
  superviseRebuilds,
  applyRetention,
  redriveBatch,
} = reproject.functions();
