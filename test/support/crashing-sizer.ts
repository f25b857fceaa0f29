// For crash tests: the batch sizer's module with a sizer that throws right after the commits whose
// numbers are in `faults.crashAfterCommit` (counted from 1 across the test), as a chunk that dies
// between a committed batch and the next would. Use it from a vi.mock factory of batch-sizer.ts.
import type * as BatchSizerModule from "../../src/replay/batch-sizer.ts";

export interface CommitFaults {
  crashAfterCommit: Set<number>;
  commits: number;
}

export function crashingAfterCommits(original: typeof BatchSizerModule, faults: CommitFaults): typeof BatchSizerModule {
  class CrashingSizer extends original.BatchSizer {
    override afterSuccess(durationMs: number): void {
      if (faults.crashAfterCommit.delete(++faults.commits))
        throw new Error(`injected crash right after commit ${faults.commits}`);
      super.afterSuccess(durationMs);
    }
  }
  return { ...original, BatchSizer: CrashingSizer };
}
