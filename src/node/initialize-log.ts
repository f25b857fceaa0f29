// Starting the live event log right after the archive's last position, as the archive itself says:
// a start below it gives live events positions the archive already holds, one above it positions no
// event has (a rebuild's tail refuses a gap). The mutation that records the start cannot read S3.
import { internalActionGeneric } from "convex/server";
import type { Infer } from "convex/values";
import { isRestTableReference } from "../archive/rest-catalog/table-reference.ts";
import { openObjectStore } from "../archive/store/open-store.ts";
import { ArchiveTable } from "../archive/table.ts";
import type { EventEnvelope } from "../registry/index.ts";
import { archiveLocation } from "../server/archive-location.ts";
import { initializeLogArgs, vEventLogStart } from "../server/function-validators.ts";
import type { Wiring } from "../server/wiring.ts";
import { newestArchivedPosition } from "./archiver.ts";

/** `npx convex run reprojectNode:initializeLog`: once, before the first append; later calls change nothing. */
export function initializeLogAction({ envelope, refs }: Wiring) {
  return internalActionGeneric({
    args: initializeLogArgs,
    returns: vEventLogStart,
    handler: async (ctx, { archiveHighWaterMark }): Promise<Infer<typeof vEventLogStart>> => {
      const log = await ctx.runQuery(refs.eventLogState, {});
      if (log) return log;
      const location = archiveLocation();
      const holds = await archiveEnd(location, envelope);
      if (archiveHighWaterMark !== undefined && archiveHighWaterMark !== holds) {
        const why =
          archiveHighWaterMark < holds
            ? "below it: live positions would collide with archived ones"
            : `above it: positions ${holds + 1}–${archiveHighWaterMark} would hold no event, and rebuilds stop at a gap`;
        throw new Error(
          `initializeLog: archiveHighWaterMark ${archiveHighWaterMark} is not the archive's: its newest snapshot at ` +
            `${location} ends at position ${holds}, and the log must start right after it (${why}). ` +
            "Run it without archiveHighWaterMark to start there.",
        );
      }
      return ctx.runMutation(refs.startLog, { archiveHighWaterMark: holds });
    },
  });
}

/**
 * The archive's last position: in the newest committed version of a table the archiver writes, or
 * in the current snapshot the catalog names for a REST catalog table (which Reproject only reads).
 */
async function archiveEnd(location: string, envelope: EventEnvelope): Promise<number> {
  if (!isRestTableReference(location)) return newestArchivedPosition(openObjectStore(location), envelope);
  const upper = await (await ArchiveTable.open(location)).columnUpperBound(envelope.columns.position);
  return upper === undefined || upper === null ? 0 : Number(upper);
}
