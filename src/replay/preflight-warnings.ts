// What an operator should know before starting a rebuild the pre-flight plan describes: a filter
// the archive's statistics cannot prune, an archive of many small files, a rate limit that makes
// the rebuild last more than a day.
import type { PruningStats, ScanSlice } from "../archive/plan.ts";
import { formatMiB } from "../progress/preflight-wording.ts";

/** Above this many data files to open... */
export const SMALL_FILES_COUNT = 1_000;
/** ...averaging less than this, opening files dominates reading them: compaction pays. */
export const SMALL_FILE_BYTES = 8 * 1024 * 1024;
export const DAY_SECONDS = 86_400;

export type PreflightWarningKind = "filter_not_pushed_down" | "small_files" | "slow_rate_limit";

export interface PreflightWarning {
  kind: PreflightWarningKind;
  message: string;
}

export function preflightWarnings({
  filtered,
  stats,
  slices,
  events,
  rateLimit,
}: {
  /** Whether the rebuild has a filter. */
  filtered: boolean;
  stats: PruningStats | undefined;
  slices: readonly Pick<ScanSlice, "sizeInBytes">[];
  events: number;
  rateLimit: number | undefined;
}): PreflightWarning[] {
  const warnings: PreflightWarning[] = [];
  if (filtered && stats && stats.rows > 0 && stats.dataFilesSkipped === 0 && stats.rowGroupsSkipped === 0) {
    warnings.push({
      kind: "filter_not_pushed_down",
      message:
        `the filter skips no data file and no row group: the archive's partitions and statistics cannot prune it, ` +
        `so all ${stats.rows} rows are read and filtered event by event`,
    });
  }
  const bytes = slices.reduce((sum, slice) => sum + slice.sizeInBytes, 0);
  if (slices.length > SMALL_FILES_COUNT && bytes / slices.length < SMALL_FILE_BYTES) {
    warnings.push({
      kind: "small_files",
      message:
        `${slices.length} data files to read, averaging ${formatMiB(bytes / slices.length)}: the archive is not compacted; ` +
        `run \`reproject archive compact\` (or the maintenance cron) first`,
    });
  }
  if (rateLimit !== undefined && events / rateLimit > DAY_SECONDS) {
    warnings.push({
      kind: "slow_rate_limit",
      message: `at the rate limit of ${rateLimit} events/s, ${events} events take at least ${(events / rateLimit / 3600).toFixed(1)} hours`,
    });
  }
  return warnings;
}
