// What the benchmarks count from outside the code under test, by wrapping two methods in this
// process: documents and bytes written (each write as convex-test sizes it for Convex's transaction
// limits, in every transaction of the app and the Workpool) and archive rows decoded by scans.
// Neither wrapper changes what the wrapped method does.
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import { ArchiveTable } from "../src/archive/table.ts";

export interface WorkCounters {
  documentsWritten: number;
  bytesWritten: number;
  /** Rows decoded from Parquet, including the ones a resumed scan drops because they precede its cursor. */
  rowsRead: number;
  /** Rows decoded only to be dropped as already processed (a resume's partial row group). */
  rowsBeforeCursor: number;
}

export function countWork(onRowsRead: (counters: WorkCounters) => void = () => undefined): WorkCounters {
  const counters: WorkCounters = { documentsWritten: 0, bytesWritten: 0, rowsRead: 0, rowsBeforeCursor: 0 };
  const trackWrite = TransactionMetricsTracker.prototype.trackWrite;
  TransactionMetricsTracker.prototype.trackWrite = function (this: TransactionMetricsTracker, bytes: number) {
    counters.documentsWritten++;
    counters.bytesWritten += bytes;
    return trackWrite.call(this, bytes);
  };
  const scan = ArchiveTable.prototype.scan;
  ArchiveTable.prototype.scan = async function* (this: ArchiveTable, ...args: Parameters<ArchiveTable["scan"]>) {
    for await (const batch of scan.apply(this, args)) {
      counters.rowsRead += batch.rowsRead;
      counters.rowsBeforeCursor += batch.rowsBeforeCursor;
      onRowsRead(counters);
      yield batch;
    }
  };
  return counters;
}
