// One line on how a finished rebuild (or verify run) ended, where the controls were while it ran.
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount, formatElapsed } from "../format.ts";
import { rebuildDurationMs } from "../../../src/react/index.ts";

export function RebuildOutcome({ status }: { status: RebuildStatus }) {
  const took = formatElapsed(rebuildDurationMs(status));
  const text = (() => {
    if (status.mode === "verify") return verifyOutcome(status, took);
    switch (status.state) {
      case "completed":
        return status.dryRun
          ? `Dry run completed in ${took}: ${formatCount(status.counters.applied)} events went through the handlers, nothing was written.`
          : status.target
            ? `Completed in ${took}. The replay is in target “${status.target}”; the active read model was not replaced.`
            : `Completed in ${took}. Generation ${status.generation} now serves queries.`;
      case "cancelled":
        return `Cancelled after ${took}, at position ${status.cursor ?? "—"}. Its partial generation is deleted.`;
      case "failed":
        return `Failed after ${took}. Resume it once the cause is fixed, or start a new rebuild.`;
      default:
        return null;
    }
  })();
  return text ? (
    <p className="outcome" data-tone={status.state}>
      {text}
    </p>
  ) : null;
}

function verifyOutcome(status: RebuildStatus, took: string): string | null {
  switch (status.state) {
    case "completed": {
      const verify = status.verify;
      if (!verify) return `Verify run completed in ${took}.`;
      const differences = verify.changed + verify.onlyInActive + verify.onlyInShadow;
      return `Verify run completed in ${took}: ${formatCount(verify.compared)} documents compared, ${
        differences === 0 ? "no difference" : `${formatCount(differences)} difference${differences === 1 ? "" : "s"}`
      }. ${
        verify.shadow === "promoted"
          ? `Its shadow was promoted: generation ${status.generation} now serves queries.`
          : "The active read model was not replaced."
      }`;
    }
    case "cancelled":
      return `Cancelled after ${took}. Its shadow generation is deleted; the active one was not touched.`;
    case "failed":
      return `Failed after ${took}. Resume it once the cause is fixed, or start a new verify run.`;
    default:
      return null;
  }
}
