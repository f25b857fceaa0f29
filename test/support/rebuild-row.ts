// A rebuild as the component stores it, for tests that set up the engine's state directly.
import type { Doc } from "../../src/component/_generated/dataModel";
import { ZERO_COUNTERS } from "../../src/component/validators.ts";

type RebuildRow = Omit<Doc<"rebuilds">, "_id" | "_creationTime">;

/** A rebuild of version 1 with nothing processed yet; `fields` say the rest. */
export function rebuildRow(
  fields: Partial<RebuildRow> & Pick<RebuildRow, "projection" | "state" | "phase">,
): RebuildRow {
  return {
    version: 1,
    generation: 1,
    dryRun: false,
    errorPolicy: "fail",
    archive: { location: "unused" },
    processed: 0,
    cursor: null,
    counters: ZERO_COUNTERS,
    rate: { eventsPerSecond: 0, processed: 0, atMs: 0 },
    startedAt: Date.now(),
    updatedAt: Date.now(),
    triggeredBy: { subject: "ops-1" },
    ...fields,
  };
}
