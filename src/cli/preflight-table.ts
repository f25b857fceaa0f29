// A pre-flight plan as the terminal shows it: what the rebuild reads, its events, its estimates
// (each saying where it comes from) and the warnings.
import type { PreflightPlan } from "../node/preflight.ts";
import { formatMiB } from "../replay/preflight-warnings.ts";
import { formatCount, formatDuration } from "./progress-bar.ts";

const BASIS: Record<PreflightPlan["estimate"]["mutations"]["basis"], string> = {
  measured: "measured on earlier rebuilds",
  complexity_class: "from the complexity class",
  rate_limit: "at the rate limit",
  dry_run: "a dry run writes nothing",
  none: "no earlier rebuild measured it",
};

export function describePreflight(plan: PreflightPlan): string {
  const { scan, events, estimate } = plan;
  const rows: [string, string][] = [];
  if (scan) {
    const read = (total: number, skipped: number) =>
      `${formatCount(total - skipped)} to read, ${formatCount(skipped)} skipped, of ${formatCount(total)}`;
    rows.push(["data files", read(scan.dataFiles, scan.dataFilesSkipped)]);
    rows.push([
      "row groups",
      scan.rowGroups === 0 ? "not opened (no row filter)" : read(scan.rowGroups, scan.rowGroupsSkipped),
    ]);
    rows.push(["rows", read(scan.rows, scan.rowsSkipped)]);
    rows.push(["bytes to read", `${formatMiB(scan.bytesToRead)} at most`]);
  } else {
    rows.push(["archive", "nothing archived yet: the events table alone"]);
  }
  rows.push([
    "events",
    `${formatCount(events.total)} (${formatCount(events.archive)} archived${events.archiveRowsExact ? "" : ", before deletes and row filtering"}, ` +
      `${formatCount(events.live)} in the events table)`,
  ]);
  const { duration, mutations, documentsWritten, bytesWritten } = estimate;
  rows.push([
    "duration",
    duration.seconds === null
      ? `unknown: ${duration.note}`
      : `~${formatDuration(duration.seconds)} at ${formatCount(duration.eventsPerSecond ?? 0)} events/s (${duration.note})`,
  ]);
  rows.push([
    "mutations",
    `~${formatCount(mutations.count)} (${formatCount(mutations.eventsPerMutation)} events each, ${BASIS[mutations.basis]})`,
  ]);
  const written = (figure: typeof documentsWritten, format: (value: number) => string) =>
    figure.count === null
      ? `unknown: ${BASIS[figure.basis]}`
      : `~${format(figure.count)} (${(figure.perEvent ?? 0).toFixed(2)} per event, ${BASIS[figure.basis]})`;
  rows.push(["documents written", written(documentsWritten, formatCount)]);
  rows.push(["bytes written", written(bytesWritten, formatMiB)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `${plan.projection}: pre-flight plan of ${plan.archive.location}` +
      (plan.archive.snapshotId ? ` at snapshot ${plan.archive.snapshotId}` : ""),
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...plan.warnings.map((warning) => `  warning (${warning.kind}): ${warning.message}`),
  ];
  return `${lines.join("\n")}\n`;
}
