// A rebuild's live progress: a progress bar (role=progressbar, its value in words for screen
// readers) with the percent, then processed / total, rate, time left and phase. Unstyled but for a
// bare default that makes the bar visible (zero-specificity `:where()` rules, so any CSS of the app
// wins): style it through its class names (`reproject-progress`, `-meter`, `-bar`, `-fill`,
// `-percent`, `-stats`, `-stat`) and `data-state` (running, paused, completed, failed, cancelled) on
// the root. The fill scales rather than resizing, so that nothing reflows while it moves.
import type { ReactNode } from "react";
import type { RebuildProgressStatus } from "./admin-api.ts";
import { formatPercent } from "./format.ts";
import { etaText, phaseText, processedText, progressValueText, rateText } from "./progress.ts";

/** Without it an empty bar has no height. React puts it in the document's head once, whatever the number of bars. */
const BARE_STYLE = `
:where(.reproject-progress-bar) { height: 0.5em; background: rgb(128 128 128 / 0.25); overflow: hidden; }
:where(.reproject-progress-fill) { height: 100%; background: currentColor; }
`;

export function RebuildProgress({
  status,
  label = `Progress of ${status.projection} generation ${status.generation}`,
}: {
  status: RebuildProgressStatus;
  /** The progress bar's accessible name. */
  label?: string;
}) {
  const fraction = Math.min(100, Math.max(0, status.percent)) / 100;
  return (
    <div className="reproject-progress" data-state={status.state}>
      <style href="reproject-progress" precedence="reproject">
        {BARE_STYLE}
      </style>
      <div className="reproject-progress-meter">
        <div
          className="reproject-progress-bar"
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={status.percent}
          aria-valuetext={progressValueText(status)}
        >
          <div className="reproject-progress-fill" style={{ transform: `scaleX(${fraction})`, transformOrigin: "left center" }} />
        </div>
        <span className="reproject-progress-percent" aria-hidden="true">
          {formatPercent(status.percent)}
        </span>
      </div>
      <dl className="reproject-progress-stats">
        <Stat name="processed" label="Processed">{processedText(status)}</Stat>
        <Stat name="rate" label="Rate">{rateText(status)}</Stat>
        <Stat name="eta" label="ETA">{etaText(status)}</Stat>
        <Stat name="phase" label="Phase">{phaseText(status)}</Stat>
      </dl>
    </div>
  );
}

function Stat({ name, label, children }: { name: string; label: string; children: ReactNode }) {
  return (
    <div className="reproject-progress-stat" data-stat={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
