// A rebuild's progress: an ARIA progressbar whose fill scales (no reflow while it moves) and a
// fixed-width percent label.
import type { RebuildState } from "../data/api-types.ts";
import { formatCount, formatPercent } from "../format.ts";

export function ProgressBar({
  label,
  percent,
  processed,
  total,
  state,
}: {
  label: string;
  percent: number;
  processed: number;
  total: number | null;
  state: RebuildState;
}) {
  const valueText =
    total === null ? "planning: total not known yet" : `${formatPercent(percent)}, ${formatCount(processed)} of ${formatCount(total)} events`;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={valueText}
        data-state={state}
      >
        <div className="progress-fill" style={{ transform: `scaleX(${Math.min(100, Math.max(0, percent)) / 100})` }} />
      </div>
      <span className="progress-percent num" aria-hidden="true">
        {formatPercent(percent)}
      </span>
    </div>
  );
}
