// A pre-flight plan as the terminal shows it: what the rebuild reads, its events, its estimates
// (each saying where it comes from) and the warnings.
import type { PreflightPlan } from "../node/preflight.ts";
import {
  describeDuration,
  describeMutations,
  describeRead,
  describeWritten,
  formatMiB,
} from "../progress/preflight-wording.ts";
import { formatCount, formatDuration } from "./progress-bar.ts";

export function describePreflight(plan: PreflightPlan): string {
  const { scan, events, estimate } = plan;
  const rows: [string, string][] = [];
  if (scan) {
    rows.push(["data files", describeRead(scan.dataFiles, scan.dataFilesSkipped, formatCount)]);
    rows.push([
      "row groups",
      scan.rowGroups === 0
        ? "not opened (no row filter)"
        : describeRead(scan.rowGroups, scan.rowGroupsSkipped, formatCount),
    ]);
    rows.push(["rows", describeRead(scan.rows, scan.rowsSkipped, formatCount)]);
    rows.push(["bytes to read", `${formatMiB(scan.bytesToRead)} at most`]);
  } else {
    rows.push(["archive", "nothing archived yet: the events table alone"]);
  }
  rows.push([
    "events",
    `${formatCount(events.total)} (${formatCount(events.archive)} archived${events.archiveRowsExact ? "" : ", before deletes and row filtering"}, ` +
      `${formatCount(events.live)} in the events table)`,
  ]);
  rows.push(["duration", describeDuration(estimate.duration, formatDuration, formatCount)]);
  rows.push(["mutations", describeMutations(estimate.mutations, formatCount)]);
  rows.push(["documents written", describeWritten(estimate.documentsWritten, formatCount)]);
  rows.push(["bytes written", describeWritten(estimate.bytesWritten, formatMiB)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `${plan.projection}: pre-flight plan of ${plan.archive.location}` +
      (plan.archive.snapshotId ? ` at snapshot ${plan.archive.snapshotId}` : ""),
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...plan.warnings.map((warning) => `  warning (${warning.kind}): ${warning.message}`),
  ];
  return `${lines.join("\n")}\n`;
}
