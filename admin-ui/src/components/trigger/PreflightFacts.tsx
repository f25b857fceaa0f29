// The review step's pre-flight plan: what the rebuild reads and what the filter skips, its exact
// events, its estimates (each saying where it comes from) and the warnings, before Start.
import {
  describeDuration,
  describeMutations,
  describeRead,
  describeWritten,
  formatMiB,
} from "../../../../src/progress/preflight-wording.ts";
import type { RebuildOptions } from "../../data/api-types.ts";
import { usePreflightPlan, type PreflightPlan } from "../../data/preflight.ts";
import { formatCount, formatElapsed } from "../../format.ts";
import { ErrorNotice } from "../ErrorNotice.tsx";
import { Fact, Facts } from "../Facts.tsx";

export function PreflightFacts({ projection, options }: { projection: string; options: RebuildOptions }) {
  const plan = usePreflightPlan(projection, options);
  if (plan.isPending)
    return (
      <p className="preflight-pending" role="status">
        Planning the scan…
      </p>
    );
  if (plan.isError) return <ErrorNotice error={plan.error} title="Could not plan this rebuild" />;
  return <PreflightFigures plan={plan.data} />;
}

const seconds = (value: number) => formatElapsed(value * 1000);

function PreflightFigures({ plan }: { plan: PreflightPlan }) {
  const { scan, events, estimate } = plan;
  return (
    <section className="preflight" aria-label="Pre-flight plan">
      <Facts>
        {scan ? (
          <>
            <Fact label="Data files">{describeRead(scan.dataFiles, scan.dataFilesSkipped, formatCount)}</Fact>
            <Fact label="Row groups">
              {scan.rowGroups === 0
                ? "not opened (no row filter)"
                : describeRead(scan.rowGroups, scan.rowGroupsSkipped, formatCount)}
            </Fact>
            <Fact label="Rows">{describeRead(scan.rows, scan.rowsSkipped, formatCount)}</Fact>
            <Fact label="Bytes to read">{formatMiB(scan.bytesToRead)} at most</Fact>
          </>
        ) : (
          <Fact label="Archive">nothing archived yet: the events table alone</Fact>
        )}
        <Fact label="Events">
          <span data-testid="preflight-events">{formatCount(events.total)}</span> ({formatCount(events.archive)}{" "}
          archived, {formatCount(events.live)} in the events table)
        </Fact>
        <Fact label="Duration">{describeDuration(estimate.duration, seconds, formatCount)}</Fact>
        <Fact label="Mutations">{describeMutations(estimate.mutations, formatCount)}</Fact>
        <Fact label="Documents written">{describeWritten(estimate.documentsWritten, formatCount)}</Fact>
        <Fact label="Bytes written">{describeWritten(estimate.bytesWritten, formatMiB)}</Fact>
      </Facts>
      {plan.warnings.map((warning) => (
        <div key={warning.kind} className="notice" data-tone="warning" role="note" data-warning={warning.kind}>
          <p className="notice-body">{warning.message}</p>
        </div>
      ))}
    </section>
  );
}
