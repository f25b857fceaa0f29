// Small tags for what makes a rebuild special: verify run (and a shadow waiting for promotion), dry
// run, filtered target, rate limit.
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount } from "../format.ts";

export function RebuildTags({ status }: { status: RebuildStatus }) {
  return (
    <span className="tags">
      {status.mode === "verify" && (
        <span className="tag" data-tag="verify" title="Verify run: rebuilt into a shadow generation and compared; nothing swapped">
          verify
        </span>
      )}
      {status.verify?.shadow === "kept" && (
        <span className="tag" data-tag="shadow-kept" title="Its shadow is kept: promote or discard it">
          shadow kept
        </span>
      )}
      {status.dryRun && <span className="tag">dry run</span>}
      {status.target && <span className="tag">target {status.target}</span>}
      {status.rateLimit !== null && <span className="tag">≤ {formatCount(status.rateLimit)}/s</span>}
      {status.errorPolicy === "dead-letter" && <span className="tag">dead-letter</span>}
    </span>
  );
}
