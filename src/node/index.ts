// `reproject/node`: the Node actions of Reproject, defined in the app's "use node" module.
//
//   // convex/reprojectNode.ts
//   "use node";
//   import { reprojectNode } from "reproject/node";
//   import { reproject } from "./reproject";
//   export const { initializeLog, plan, preflight, chunk, archive, compact, expire, cleanOrphans, maintain, probeNodeRuntime } =
//     reprojectNode(reproject);
import { internalActionGeneric } from "convex/server";
import { runSelfCheck } from "../archive/self-check.ts";
import { vSelfCheckReport } from "../component/validators.ts";
import type { NODE_FUNCTION_NAMES } from "../server/references.ts";
import type { Wiring } from "../server/wiring.ts";
import { archiveAction } from "./archiver.ts";
import { chunkAction } from "./chunk.ts";
import { initializeLogAction } from "./initialize-log.ts";
import { maintenanceActions } from "./maintenance.ts";
import { planAction } from "./planning.ts";
import { preflightAction } from "./preflight.ts";

export function reprojectNode(reproject: { wiring: Wiring }) {
  const { wiring } = reproject;
  const actions = {
    /** Starts the live event log right after the archive's last position, read from the archive. */
    initializeLog: initializeLogAction(wiring),
    /** Pins the archive's current snapshot and plans what a rebuild reads. */
    plan: planAction(wiring),
    /**
     * Public, for admins: what a rebuild with these options would read (files, row groups, rows,
     * bytes, what the filter skips), its exact event count, estimated duration and Convex usage, and
     * warnings, planned as the rebuild would plan it. Stores nothing.
     */
    preflight: preflightAction(wiring),
    /** One chunk of a rebuild: seconds of archive (then live) events, batch by batch. */
    chunk: chunkAction(wiring),
    /** Moves events older than the retention window into the archive. */
    archive: archiveAction(wiring),
    ...maintenanceActions(wiring),
    /**
     * Loads the decoders and the writer and reads REPROJECT_ARCHIVE's current metadata, in this
     * deployment's Node runtime, and checks that its columns carry the app's envelope.
     */
    probeNodeRuntime: internalActionGeneric({
      args: {},
      returns: vSelfCheckReport,
      handler: () => runSelfCheck(process.env.REPROJECT_ARCHIVE, { envelope: wiring.envelope }),
    }),
  };
  return actions satisfies Record<(typeof NODE_FUNCTION_NAMES)[number], unknown>;
}
