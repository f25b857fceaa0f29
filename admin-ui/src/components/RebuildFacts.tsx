// The rest of a rebuild's status: how the run went (cursor, times, who) and what it was asked to do
// (archive snapshot, filter, target, options, what the plan pruned).
import type { ReactNode } from "react";
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount, formatElapsed } from "../format.ts";
import { rebuildDurationMs } from "../../../src/react/index.ts";
import { Fact, Facts } from "./Facts.tsx";
import { FilterSummary } from "./FilterSummary.tsx";
import { Timestamp } from "./Timestamp.tsx";

export function RunFacts({ status }: { status: RebuildStatus }) {
  return (
    <Facts>
      <Fact label="Cursor">
        <span className="num">{status.cursor === null ? "—" : status.cursor}</span>
      </Fact>
      <Fact label="Started">
        <Timestamp ms={status.startedAt} />
      </Fact>
      <Fact label="Updated">
        <Timestamp ms={status.updatedAt} />
      </Fact>
      <Fact label="Finished">
        <Timestamp ms={status.finishedAt} />
      </Fact>
      <Fact label="Duration">
        <span className="num">{formatElapsed(rebuildDurationMs(status))}</span>
      </Fact>
      <Fact label="Triggered by">
        {status.triggeredBy.name ? `${status.triggeredBy.name} (${status.triggeredBy.subject})` : status.triggeredBy.subject}
      </Fact>
      <Fact label="Code version">v{status.version}</Fact>
    </Facts>
  );
}

export function PlanFacts({ status }: { status: RebuildStatus }) {
  const pruning = status.pruning;
  return (
    <Facts>
      <Fact label="Archive">
        <code>{status.archive.location}</code>
      </Fact>
      <Fact label="Snapshot">
        <span className="num">{status.archive.snapshotId ?? "pinned when planned"}</span>
      </Fact>
      <Fact label="Filter">
        <FilterSummary filter={status.filter} />
      </Fact>
      {status.mode === "verify" && <Fact label="Mode">verify: compare, don’t swap</Fact>}
      <Fact label="Writes to">
        {status.mode === "verify"
          ? `shadow generation ${status.generation}${status.keepShadow ? ", kept for promotion" : ", deleted once compared"}`
          : status.dryRun
            ? "nothing (dry run)"
            : status.target
              ? `target “${status.target}”`
              : `generation ${status.generation}`}
      </Fact>
      <Fact label="Lanes">{status.lanes.length > 0 ? `${status.lanes.length} in parallel` : "1: one chain"}</Fact>
      <Fact label="Rate limit">{status.rateLimit === null ? "none" : `${formatCount(status.rateLimit)} events/s`}</Fact>
      <Fact label="Error policy">{status.errorPolicy === "dead-letter" ? "dead-letter and go on" : "fail at the first bad event"}</Fact>
      <Fact label="Pruned">
        {pruning ? (
          <span className="pruned">
            <Skipped label="data files" skipped={pruning.dataFilesSkipped} total={pruning.dataFiles} />
            <Skipped label="row groups" skipped={pruning.rowGroupsSkipped} total={pruning.rowGroups} />
            <Skipped label="rows" skipped={pruning.rowsSkipped} total={pruning.rows} />
          </span>
        ) : (
          <span className="muted">known once the plan is made</span>
        )}
      </Fact>
    </Facts>
  );
}

function Skipped({ label, skipped, total }: { label: string; skipped: number; total: number }): ReactNode {
  return (
    <span className="pruned-line" data-pruned={label}>
      <span className="num">{formatCount(skipped)}</span> of <span className="num">{formatCount(total)}</span> {label} skipped
    </span>
  );
}
