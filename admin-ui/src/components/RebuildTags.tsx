// Small tags for what makes a rebuild special: dry run, filtered target, rate limit.
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount } from "../format.ts";

export function RebuildTags({ status }: { status: RebuildStatus }) {
  return (
    <span className="tags">
      {status.dryRun && <span className="tag">dry run</span>}
      {status.target && <span className="tag">target {status.target}</span>}
      {status.rateLimit !== null && <span className="tag">≤ {formatCount(status.rateLimit)}/s</span>}
      {status.errorPolicy === "dead-letter" && <span className="tag">dead-letter</span>}
    </span>
  );
}
