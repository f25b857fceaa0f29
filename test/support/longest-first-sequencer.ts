// The run's file order: the longest files first, whatever their project, then the rest as Vitest
// orders them. With two workers, a long file started last keeps one worker busy while the other
// sits idle at the end of the run. Vitest learns durations from earlier runs only, and a clean
// clone (CI) has none, hence this list of the longest files as measured on 2 cores, longest first.
// A file missing from it only starts later; nothing else depends on the order (a file that needs
// the example app waits for it wherever it comes).
import { BaseSequencer, type TestSpecification } from "vitest/node";

const LONGEST_FILES = [
  "test/unit/bench-quick.test.ts",
  "test/archive/cli-rebuild.test.ts",
  // Not first: they wait for the example's install, which runs in the background meanwhile.
  "test/bundle/package.test.ts",
  "test/archive/cli-archive-import.test.ts",
  "test/bundle/convex-bundle.test.ts",
  "test/archive/cli-rebuilds.test.ts",
  "test/convex/archiver-resumable-rebuilds.test.ts",
  "test/reliability/soak.test.ts",
  "test/convex/crash-recovery.test.ts",
  "test/archive/maintenance-expiry.test.ts",
  "test/archive/cli-plan.test.ts",
  "test/convex/plan-pages.test.ts",
  "test/convex/archiver.test.ts",
];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST_FILES.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return index === -1 ? LONGEST_FILES.length : index;
    };
    // Array.prototype.sort is stable: unlisted files keep the base order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
