// Archive maintenance: compaction, snapshot expiry and orphan cleanup, the way Iceberg's own
// procedures do them, without ever removing a snapshot a rebuild has pinned.
export { compactTable, DEFAULT_TARGET_FILE_BYTES, SMALL_FILE_RATIO, type CompactionOptions, type CompactionProgress, type CompactionResult } from "./compaction.ts";
export { decideExpiry, expireSnapshots, DEFAULT_RETAIN_LAST, type ExpiryOptions, type ExpiryProgress, type ExpiryResult } from "./expiry.ts";
export { cleanOrphans, type OrphanCleanupOptions, type OrphanCleanupProgress, type OrphanCleanupResult } from "./orphans.ts";
export { deploymentArchiveReason, DEPLOYMENT_PROPERTY } from "./deployment.ts";
export { openMaintainedTable, tableRootOf, type MaintainedTable } from "./maintained-table.ts";
export { TableFileIndex, type TableFile, type TableFileKind } from "./table-files.ts";
export { parsePartitionFilter } from "./partition-filter.ts";
