import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Safety net for automatic rebuilds: a deploy that bumped a projection's version is noticed here
// even when nobody ran replay/reconcile:run after it.
crons.interval("reconcile projection versions", { minutes: 10 }, internal.replay.reconcile.run, {});

// Moves events older than REPROJECT_ARCHIVE_RETENTION_MS (default 7 days) into the Iceberg archive.
crons.interval("archive old events", { hours: 1 }, internal.archiverNode.run, {});

// Archive maintenance (compaction, expiry of unpinned snapshots, orphan cleanup); thresholds from REPROJECT_MAINTENANCE_* (README).
crons.daily("maintain the event archive", { hourUTC: 3, minuteUTC: 17 }, internal.maintenance.start, {});

export default crons;
