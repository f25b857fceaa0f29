// Every projection of the code's registry: versions, the generation serving queries, staleness, the
// last rebuild; and the way to start a new one.
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { ProjectionInfo } from "../data/api-types.ts";
import { useProjections } from "../../../src/react/index.ts";
import { formatCount, formatElapsed, formatPercent } from "../format.ts";
import { useNow } from "../clock.ts";
import { rebuildHref } from "../routing.ts";
import { QueryView } from "../components/QueryView.tsx";
import { ScreenHeader } from "../components/ScreenHeader.tsx";
import { StateBadge } from "../components/StateBadge.tsx";
import { Timestamp } from "../components/Timestamp.tsx";
import { TriggerDialog } from "../components/trigger/TriggerDialog.tsx";

export function ProjectionsScreen() {
  const projections = useProjections(api.rebuilds);
  const [triggering, setTriggering] = useState<string | null>(null);
  const list = projections.data ?? null;
  return (
    <section aria-labelledby="projections-heading">
      <ScreenHeader
        id="projections-heading"
        title="Projections"
        lede={
          <>
            Read models declared in code, the generation serving queries, and their last rebuild.
            {list?.[0] && (
              <>
                {" "}
                Event log at position{" "}
                <span className="num" data-field="log-position">
                  {formatCount(list[0].logPosition)}
                </span>
                .
              </>
            )}
          </>
        }
        action={
          <button
            type="button"
            className="button"
            onClick={() => setTriggering(list?.find((p) => !p.removed)?.name ?? "")}
          >
            New rebuild
          </button>
        }
      />
      <QueryView query={projections} what="projections">
        {(rows) => <ProjectionsTable rows={rows} onRebuild={setTriggering} />}
      </QueryView>
      {triggering !== null && (
        <TriggerDialog projections={list} initialProjection={triggering} onClose={() => setTriggering(null)} />
      )}
    </section>
  );
}

function ProjectionsTable({ rows, onRebuild }: { rows: ProjectionInfo[]; onRebuild: (name: string) => void }) {
  if (rows.length === 0) return <p className="empty">The registry declares no projection.</p>;
  return (
    <div className="card card-flush">
      <table className="table table-responsive table-fixed" aria-labelledby="projections-heading">
        {/* Fixed columns: live percentages must not make the table re-flow. */}
        <colgroup>
          <col style={{ width: "18%" }} />
          <col style={{ width: "15%" }} />
          <col style={{ width: "16%" }} />
          <col style={{ width: "15%" }} />
          <col style={{ width: "26%" }} />
          <col style={{ width: "10%" }} />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Projection</th>
            <th scope="col">Version</th>
            <th scope="col">Active generation</th>
            <th scope="col">Freshness</th>
            <th scope="col">Last rebuild</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} data-projection={row.name}>
              <th scope="row" data-label="Projection">
                <span className="projection-name">{row.name}</span>
                <span className="projection-meta">
                  {row.complexity ?? "—"} · {row.eventTypes.length} event type{row.eventTypes.length === 1 ? "" : "s"}
                </span>
              </th>
              <td data-label="Version">
                <span className="num" data-field="code-version">
                  code v{row.codeVersion ?? "—"}
                </span>
                <span className="muted"> · </span>
                <span className="num" data-field="built-version">
                  built {row.builtVersion === null ? "—" : `v${row.builtVersion}`}
                </span>
              </td>
              <td data-label="Active generation" className="num" data-field="active-generation">
                {row.activeGeneration ?? <span className="muted">none yet</span>}
              </td>
              <td data-label="Freshness">
                <Freshness row={row} />
              </td>
              <td data-label="Last rebuild">
                {row.lastRebuild ? (
                  <a className="last-rebuild" href={rebuildHref(row.lastRebuild.rebuildId)}>
                    <StateBadge state={row.lastRebuild.state} stalled={row.lastRebuild.stalled} />
                    <span className="num percent">{formatPercent(row.lastRebuild.percent)}</span>
                    <span className="muted">
                      gen {row.lastRebuild.generation}
                      {row.lastRebuild.mode === "verify"
                        ? ` · verify${row.lastRebuild.verify?.shadow === "kept" ? ", shadow kept" : ""}`
                        : row.lastRebuild.dryRun
                          ? " · dry run"
                          : row.lastRebuild.target
                            ? ` · ${row.lastRebuild.target}`
                            : ""}
                    </span>
                  </a>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td className="actions">
                <button
                  type="button"
                  className="button button-primary button-small"
                  disabled={row.removed}
                  onClick={() => onRebuild(row.name)}
                  aria-label={`Rebuild ${row.name}`}
                >
                  Rebuild
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Freshness({ row }: { row: ProjectionInfo }) {
  if (row.removed) return <span className="badge" data-tone="failed">Removed from code</span>;
  const automatic = row.automaticRebuild;
  if (automatic?.failedAt != null)
    return (
      <span className="stale" data-testid="automatic-rebuild-failed">
        <span className="badge" data-tone="failed">
          Automatic rebuild failed
        </span>{" "}
        for v{automatic.version} after {automatic.retries} retries, at <Timestamp ms={automatic.failedAt} />
      </span>
    );
  if (row.behind !== null) return <Behind lag={row.behind} />;
  if (row.staleSince !== null)
    return (
      <span className="stale">
        <span className="badge" data-tone="paused">
          Stale
        </span>{" "}
        since <Timestamp ms={row.staleSince} />
      </span>
    );
  if (row.activeGeneration === null)
    return (
      <span className="badge" data-tone="neutral">
        Never built
      </span>
    );
  if (row.builtVersion !== null && row.codeVersion !== null && row.builtVersion !== row.codeVersion)
    return (
      <span className="badge" data-tone="paused">
        Version bump pending
      </span>
    );
  return (
    <span className="stale" data-field="lag">
      <span className="badge" data-tone="completed">
        Up to date
      </span>{" "}
      live, 0 events behind
    </span>
  );
}

/** A frozen projection (its code changed version): the events appended since, and for how long. */
function Behind({ lag }: { lag: NonNullable<ProjectionInfo["behind"]> }) {
  const now = useNow(5_000);
  return (
    <span className="stale" data-field="lag">
      <span className="badge" data-tone="paused">
        Behind
      </span>{" "}
      <span className="num">{formatCount(lag.events)}</span> event{lag.events === 1 ? "" : "s"}
      {lag.since !== null && <> · {formatElapsed(now - lag.since)}</>}
    </span>
  );
}
