// One active rebuild, compact: what it is (a verify run says so), live progress, and its controls.
import type { RebuildStatus } from "../data/api-types.ts";
import { formatCount } from "../format.ts";
import { rebuildHref } from "../routing.ts";
import { FilterSummary } from "./FilterSummary.tsx";
import { RebuildControls } from "./RebuildControls.tsx";
import { RebuildTags } from "./RebuildTags.tsx";
import { StallNotice } from "./StallNotice.tsx";
import { StateBadge } from "./StateBadge.tsx";
import { RebuildProgress } from "../../../src/react/index.ts";

export function RebuildCard({ status }: { status: RebuildStatus }) {
  const headingId = `rebuild-${status.rebuildId}`;
  return (
    <article className="card rebuild-card" aria-labelledby={headingId} data-rebuild={status.rebuildId}>
      <div className="card-header">
        <h3 id={headingId}>
          <a href={rebuildHref(status.rebuildId)}>{status.projection}</a>
          <span className="muted">
            {" "}
            · {status.mode === "verify" ? "shadow generation" : "generation"}{"\u00a0"}
            {status.generation}
          </span>
        </h3>
        <div className="card-header-side">
          <RebuildTags status={status} />
          <StateBadge state={status.state} stalled={status.stalled} />
        </div>
      </div>
      {status.filter && (
        <p className="card-line">
          <FilterSummary filter={status.filter} />
        </p>
      )}
      {status.mode === "verify" && (
        <p className="card-line muted" data-testid="verify-line">
          {status.verify
            ? `Comparing with generation ${status.verify.activeGeneration ?? "— (none)"}: ${formatCount(status.verify.compared)} documents, ${formatCount(
                status.verify.changed + status.verify.onlyInActive + status.verify.onlyInShadow,
              )} differences so far.`
            : "Verify run: builds a shadow generation, then compares it with the active one. Nothing is swapped."}
        </p>
      )}
      <StallNotice status={status} />
      <RebuildProgress status={status} />
      <div className="card-footer">
        <RebuildControls status={status} />
        <a className="button button-ghost" href={rebuildHref(status.rebuildId)}>
          Details
        </a>
      </div>
    </article>
  );
}
