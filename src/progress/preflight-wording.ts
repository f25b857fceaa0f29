// How a pre-flight plan's estimates read, in the terminal and on the panel alike: each figure with
// where it comes from.
import type { RebuildEstimate } from "../component/validators.ts";

type Basis = RebuildEstimate["mutations"]["basis"];
type WrittenFigure = RebuildEstimate["documentsWritten"];

export const ESTIMATE_BASIS: Record<Basis, string> = {
  measured: "measured on earlier rebuilds",
  complexity_class: "from the complexity class",
  rate_limit: "at the rate limit",
  dry_run: "a dry run writes nothing",
  none: "no earlier rebuild measured it",
};

type Format = (value: number) => string;

export function describeDuration(duration: RebuildEstimate["duration"], seconds: Format, count: Format): string {
  if (duration.seconds === null) return `unknown: ${duration.note}`;
  return `~${seconds(duration.seconds)} at ${count(duration.eventsPerSecond ?? 0)} events/s (${duration.note})`;
}

export function describeMutations(mutations: RebuildEstimate["mutations"], count: Format): string {
  return `~${count(mutations.count)} (${count(mutations.eventsPerMutation)} events each, ${ESTIMATE_BASIS[mutations.basis]})`;
}

export function describeWritten(figure: WrittenFigure, format: Format): string {
  if (figure.count === null) return `unknown: ${ESTIMATE_BASIS[figure.basis]}`;
  return `~${format(figure.count)} (${(figure.perEvent ?? 0).toFixed(2)} per event, ${ESTIMATE_BASIS[figure.basis]})`;
}

/** Counts of what a scan reads: "12 to read, 3 skipped, of 15". */
export function describeRead(total: number, skipped: number, count: Format): string {
  return `${count(total - skipped)} to read, ${count(skipped)} skipped, of ${count(total)}`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
