// What a rebuild's progress says in words, from its status alone: rate, time left, phase, duration.
import type { RebuildProgressStatus } from "./admin-api.ts";
import { formatCount, formatEta, formatPercent, formatRate } from "./format.ts";

/** Phases the engine may add later show as they are named. */
const PHASE_LABELS: Partial<Record<string, string>> = {
  planning: "Planning",
  archive: "Replaying the archive",
  tail: "Catching up with live events",
  diffing: "Comparing with the active generation",
  finishing: "Finished",
};

/** How long the rebuild has run (until now while it runs, until its last update when it stopped). */
export function rebuildDurationMs(status: RebuildProgressStatus, now = Date.now()): number {
  return (status.finishedAt ?? (status.state === "running" ? now : status.updatedAt)) - status.startedAt;
}

/** The current rate while running; once over, the average over the whole run. */
export function rateText(status: RebuildProgressStatus): string {
  if (status.state === "running") return status.stalled ? "stalled" : formatRate(status.eventsPerSecond);
  if (status.state === "paused") return "paused";
  const seconds = rebuildDurationMs(status) / 1000;
  return status.processed > 0 && seconds > 0 ? `avg ${formatRate(status.processed / seconds)}` : "—";
}

export function etaText(status: RebuildProgressStatus): string {
  if (status.state === "completed") return "done";
  if (status.state !== "running" || status.stalled) return "—";
  if (status.total === null) return "planning…";
  return status.etaSeconds === null ? "estimating…" : formatEta(status.etaSeconds);
}

export function phaseText(status: RebuildProgressStatus): string {
  return PHASE_LABELS[status.phase] ?? status.phase;
}

export function processedText(status: RebuildProgressStatus): string {
  return `${formatCount(status.processed)} / ${status.total === null ? "…" : formatCount(status.total)}`;
}

/** For assistive technology: the bar's value in words. */
export function progressValueText(status: RebuildProgressStatus): string {
  return status.total === null
    ? "planning: total not known yet"
    : `${formatPercent(status.percent)}, ${formatCount(status.processed)} of ${formatCount(status.total)} events`;
}
