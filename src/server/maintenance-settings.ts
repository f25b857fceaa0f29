// Thresholds of the scheduled archive maintenance, from the deployment's environment (README).
import { numberSetting } from "./settings.ts";

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

export interface MaintenanceSettings {
  enabled: boolean;
  targetFileBytes: number;
  /** Snapshots older than this expire (unless pinned or among the last `retainLast`). */
  snapshotMaxAgeMs: number;
  retainLast: number;
  /** Unreferenced files older than this are deleted; younger ones may belong to a write in progress. */
  orphanMinAgeMs: number;
  /** Compaction starts no new partition after this long, keeping well inside a Node action's 10 minutes. */
  compactionBudgetMs: number;
}

export const DEFAULT_MAINTENANCE_SETTINGS: MaintenanceSettings = {
  enabled: true,
  targetFileBytes: 32 * MIB,
  snapshotMaxAgeMs: 7 * DAY_MS,
  retainLast: 1,
  orphanMinAgeMs: 3 * DAY_MS,
  compactionBudgetMs: 5 * 60_000,
};

/** Orphan cleanup never takes files younger than this, whatever the setting: the archiver may be about to commit them. */
export const MIN_ORPHAN_AGE_MS = 60 * 60_000;

export function maintenanceSettings(env: Record<string, string | undefined> = process.env): MaintenanceSettings {
  const number = (name: string, fallback: number, minimum = 0) => numberSetting(name, fallback, minimum, env);
  const defaults = DEFAULT_MAINTENANCE_SETTINGS;
  return {
    enabled: !/^(off|false|0|no)$/i.test(env.REPROJECT_MAINTENANCE ?? ""),
    targetFileBytes: number("REPROJECT_MAINTENANCE_TARGET_FILE_MB", defaults.targetFileBytes / MIB, 1) * MIB,
    snapshotMaxAgeMs: number("REPROJECT_MAINTENANCE_SNAPSHOT_MAX_AGE_MS", defaults.snapshotMaxAgeMs),
    retainLast: Math.floor(number("REPROJECT_MAINTENANCE_RETAIN_LAST", defaults.retainLast, 1)),
    orphanMinAgeMs: Math.max(
      MIN_ORPHAN_AGE_MS,
      number("REPROJECT_MAINTENANCE_ORPHAN_MIN_AGE_MS", defaults.orphanMinAgeMs),
    ),
    compactionBudgetMs: number("REPROJECT_MAINTENANCE_BUDGET_MS", defaults.compactionBudgetMs),
  };
}
