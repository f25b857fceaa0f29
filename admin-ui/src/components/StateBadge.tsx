// Rebuild states and audit outcomes, coloured the same everywhere: running blue, paused amber,
// completed green, failed red, cancelled grey.
import type { RebuildState } from "../data/api-types.ts";

export type Tone = "running" | "paused" | "completed" | "failed" | "cancelled" | "neutral";

const STATE_LABELS: Record<RebuildState, string> = {
  running: "Running",
  paused: "Paused",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A running rebuild the watchdog found with nothing in flight and no progress shows as stalled. */
export function StateBadge({ state, stalled = false }: { state: RebuildState; stalled?: boolean }) {
  if (stalled && state === "running") {
    return (
      <span className="badge" data-tone="paused" data-state="stalled">
        <span className="badge-dot" aria-hidden="true" />
        Stalled
      </span>
    );
  }
  return (
    <span className="badge" data-tone={state} data-state={state}>
      <span className="badge-dot" aria-hidden="true" />
      {STATE_LABELS[state]}
    </span>
  );
}

const OUTCOME_TONES: Record<string, Tone> = {
  started: "running",
  resumed: "running",
  already_running: "neutral",
  paused: "paused",
  completed: "completed",
  cancelled: "cancelled",
  failed: "failed",
  refused: "failed",
  rejected: "failed",
  not_running: "neutral",
  not_resumable: "neutral",
  not_active: "neutral",
  // Verify runs: their result, and what became of a kept shadow.
  no_differences: "completed",
  differences: "paused",
  promoted: "completed",
  discarded: "cancelled",
  not_promotable: "neutral",
  not_kept: "neutral",
};

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return (
    <span className="badge" data-tone={OUTCOME_TONES[outcome] ?? "neutral"}>
      {sentenceCase(outcome.replace(/_/g, " "))}
    </span>
  );
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
