// One rebuild in full: live progress (lane by lane for a rebuild in lanes), controls, the failure if any, a verify run's result (counts,
// sampled differences, promote / discard), counters, pruning, details and dead letters.
import { api } from "../../../convex/_generated/api";
import type { RebuildStatus } from "../data/api-types.ts";
import { CountersGrid } from "../components/CountersGrid.tsx";
import { DeadLettersTable } from "../components/DeadLettersTable.tsx";
import { FailureDetails } from "../components/FailureDetails.tsx";
import { QueryView } from "../components/QueryView.tsx";
import { RebuildCharts } from "../components/charts/RebuildCharts.tsx";
import { RebuildControls } from "../components/RebuildControls.tsx";
import { RebuildLanes } from "../components/RebuildLanes.tsx";
import { PlanFacts, RunFacts } from "../components/RebuildFacts.tsx";
import { RebuildOutcome } from "../components/RebuildOutcome.tsx";
import { RebuildTags } from "../components/RebuildTags.tsx";
import { ScreenHeader } from "../components/ScreenHeader.tsx";
import { StallNotice } from "../components/StallNotice.tsx";
import { StateBadge } from "../components/StateBadge.tsx";
import { VerifyResult } from "../components/verify/VerifyResult.tsx";
import { RebuildProgress, useRebuildStatus } from "../../../src/react/index.ts";

export function RebuildDetailScreen({ rebuildId }: { rebuildId: string }) {
  const status = useRebuildStatus(api.rebuilds, rebuildId);
  return (
    <section aria-labelledby="rebuild-heading">
      <a className="back-link" href="#/history">
        ← All rebuilds
      </a>
      <QueryView query={status} what="the rebuild">
        {(found) =>
          found === null ? (
            <>
              <ScreenHeader id="rebuild-heading" title="Rebuild not found" />
              <p className="empty">
                No rebuild has the id <code>{rebuildId}</code>.
              </p>
            </>
          ) : (
            <RebuildDetail status={found} />
          )
        }
      </QueryView>
    </section>
  );
}

function RebuildDetail({ status }: { status: RebuildStatus }) {
  const showDeadLetters = status.errorPolicy !== "fail" || status.counters.deadLettered > 0;
  return (
    <>
      <ScreenHeader
        id="rebuild-heading"
        title={
          <>
            {status.projection}{" "}
            <span className="muted">
              · {status.mode === "verify" ? "shadow generation" : "generation"}
              {"\u00a0"}
              {status.generation}
            </span>
          </>
        }
        lede={
          <span className="rebuild-id">
            Rebuild <code>{status.rebuildId}</code>
          </span>
        }
        action={
          <span className="header-badges">
            <RebuildTags status={status} />
            <StateBadge state={status.state} stalled={status.stalled} />
          </span>
        }
      />
      <section className="card" aria-labelledby="progress-heading">
        <div className="card-header">
          <h3 id="progress-heading">Progress</h3>
        </div>
        <StallNotice status={status} />
        <RebuildProgress status={status} />
        <RebuildLanes lanes={status.lanes} />
        <div className="card-footer card-footer-stack">
          <RebuildOutcome status={status} />
          {status.state === "running" || status.state === "paused" || status.state === "failed" ? (
            <RebuildControls status={status} />
          ) : null}
        </div>
      </section>
      <RebuildCharts status={status} />
      {status.lastError && <FailureDetails error={status.lastError} state={status.state} />}
      {status.mode === "verify" && <VerifyResult status={status} />}
      <section className="card" aria-labelledby="counters-heading">
        <h3 id="counters-heading">Counters</h3>
        <CountersGrid counters={status.counters} />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="run-heading">
          <h3 id="run-heading">Run</h3>
          <RunFacts status={status} />
        </section>
        <section className="card" aria-labelledby="plan-heading">
          <h3 id="plan-heading">Plan and options</h3>
          <PlanFacts status={status} />
        </section>
      </div>
      {showDeadLetters && <DeadLettersTable status={status} />}
    </>
  );
}
