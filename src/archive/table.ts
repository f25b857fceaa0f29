// The archive's front door: open a table wherever it is, pick a snapshot (current, by id, or as of
// a time), plan a scan and stream it.
import { loadTable, type LoadedTable } from "./catalog.ts";
import { ArchiveError } from "./errors.ts";
import { currentSchema, currentSnapshot, snapshotAsOf, snapshotById, type Snapshot } from "./metadata.ts";
import { columnUpperBound, planScan, type PlanOptions, type ScanPlan } from "./plan.ts";
import { scanPlan, type RowBatch, type ScanOptions } from "./scan.ts";
import type { S3StoreOptions } from "./store/s3-store.ts";

export interface SnapshotSelector {
  snapshotId?: bigint;
  /** Time travel: the snapshot current at this instant (epoch ms). */
  asOfMs?: number;
}

export class ArchiveTable {
  private constructor(readonly loaded: LoadedTable) {}

  /** `env` (default process.env) configures a REST catalog (ICEBERG_REST_*) and, without `s3Options`, S3 (S3_ENDPOINT, AWS_*). */
  static async open(location: string, s3Options?: S3StoreOptions, env?: NodeJS.ProcessEnv): Promise<ArchiveTable> {
    return new ArchiveTable(await loadTable(location, s3Options, env));
  }

  get metadata() {
    return this.loaded.metadata;
  }

  get store() {
    return this.loaded.store;
  }

  get schema() {
    return currentSchema(this.metadata);
  }

  /** The selected snapshot; undefined only for a table without any snapshot (and no selector). */
  snapshot(selector: SnapshotSelector = {}): Snapshot | undefined {
    if (selector.snapshotId !== undefined) return snapshotById(this.metadata, selector.snapshotId);
    if (selector.asOfMs !== undefined) return snapshotAsOf(this.metadata, selector.asOfMs);
    return currentSnapshot(this.metadata);
  }

  async plan(options: PlanOptions & SnapshotSelector = {}): Promise<ScanPlan | undefined> {
    const snapshot = this.snapshot(options);
    if (!snapshot) return undefined;
    return planScan(this.store, this.metadata, snapshot, options);
  }

  /** Upper bound of a column's values in the selected snapshot, from manifest statistics. */
  async columnUpperBound(column: string, selector: SnapshotSelector = {}) {
    const snapshot = this.snapshot(selector);
    return snapshot ? columnUpperBound(this.store, this.metadata, snapshot, column) : undefined;
  }

  scan(plan: ScanPlan, options?: ScanOptions): AsyncGenerator<RowBatch> {
    if (options?.after !== undefined && !plan.orderBy) {
      throw new ArchiveError(undefined, "resuming after a value needs a plan ordered by a column (orderBy)");
    }
    return scanPlan(this.store, this.metadata, plan, options);
  }
}
