// The live numbers of a rebuild: progress bar, processed / total, events/s, ETA, phase.
import type { ReactNode } from "react";
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount, formatEta, formatRate } from "../format.ts";
import { ProgressBar } from "./ProgressBar.tsx";
import { rebuildDurationMs } from "./RebuildFacts.tsx";

/** Phases the backend may add later show as they are named. */
const PHASE_LABELS: Partial<Record<string, string>> = {
  planning: "Planning",
  archive: "Replaying the archive",
  tail: "Catching up with live events",
  diffing: "Comparing with the active generation",
  finishing: "Finished",
};

export function RebuildProgress({ status }: { status: RebuildStatus }) {
  return (
    <div className="rebuild-progress">
      <ProgressBar
        label={`Progress of ${status.projection} generation ${status.generation}`}
        percent={status.percent}
        processed={status.processed}
        total={status.total}
        state={status.state}
      />
      <dl className="stat-row">
        <Stat label="Processed" testId="processed">
          <span className="num">{formatCount(status.processed)}</span>
          <span className="muted"> / </span>
          <span className="num">{status.total === null ? "…" : formatCount(status.total)}</span>
        </Stat>
        <Stat label="Rate" testId="rate">
          <span className="num">{rateText(status)}</span>
        </Stat>
        <Stat label="ETA" testId="eta">
          <span className="num">{etaText(status)}</span>
        </Stat>
        <Stat label="Phase" testId="phase">
          {PHASE_LABELS[status.phase] ?? status.phase}
        </Stat>
      </dl>
    </div>
  );
}

function rateText(status: RebuildStatus): string {
  if (status.state === "running") return formatRate(status.eventsPerSecond);
  if (status.state === "paused") return "paused";
  const seconds = (rebuildDurationMs(status)) / 1000;
  return status.processed > 0 && seconds > 0 ? `avg ${formatRate(status.processed / seconds)}` : "—";
}

function etaText(status: RebuildStatus): string {
  if (status.state === "completed") return "done";
  if (status.state !== "running") return "—";
  if (status.total === null) return "planning…";
  return status.etaSeconds === null ? "estimating…" : formatEta(status.etaSeconds);
}

function Stat({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="stat" data-stat={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
