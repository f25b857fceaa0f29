// Every rebuild, newest first, optionally for one projection.
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { RebuildStatus } from "../data/api-types.ts";
import { useProjections, useRebuildHistory } from "../../../src/react/index.ts";
import { formatCount, formatElapsed, formatPercent } from "../format.ts";
import { rebuildHref } from "../routing.ts";
import { QueryView } from "../components/QueryView.tsx";
import { PastRebuildsChart } from "../components/charts/PastRebuildsChart.tsx";
import { RebuildTags } from "../components/RebuildTags.tsx";
import { ScreenHeader } from "../components/ScreenHeader.tsx";
import { StateBadge } from "../components/StateBadge.tsx";
import { Timestamp } from "../components/Timestamp.tsx";

const SHOWN = 100;

export function HistoryScreen() {
  const [projection, setProjection] = useState("");
  const projections = useProjections(api.rebuilds);
  const history = useRebuildHistory(api.rebuilds, { limit: SHOWN, ...(projection ? { projection } : {}) });
  return (
    <section aria-labelledby="history-heading">
      <ScreenHeader
        id="history-heading"
        title="History"
        lede={`All rebuilds, newest first (the last ${SHOWN}); choose a projection to chart its past rebuilds.`}
        action={
          <div className="field field-inline">
            <label htmlFor="history-projection">Projection</label>
            <select
              id="history-projection"
              className="input"
              value={projection}
              onChange={(event) => setProjection(event.target.value)}
            >
              <option value="">All projections</option>
              {(projections.data ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        }
      />
      <QueryView query={history} what="history">
        {(rebuilds) =>
          rebuilds.length === 0 ? (
            <p className="empty card">No rebuild yet.</p>
          ) : (
            <>
              {projection && <PastRebuildsChart projection={projection} rebuilds={rebuilds} />}
              <HistoryTable rebuilds={rebuilds} />
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function HistoryTable({ rebuilds }: { rebuilds: RebuildStatus[] }) {
  return (
    <div className="card card-flush">
      <table className="table table-responsive table-fixed" aria-labelledby="history-heading">
        <colgroup>
          <col style={{ width: "19%" }} />
          <col style={{ width: "29%" }} />
          <col style={{ width: "17%" }} />
          <col style={{ width: "14%" }} />
          <col style={{ width: "9%" }} />
          <col style={{ width: "12%" }} />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Projection</th>
            <th scope="col">State</th>
            <th scope="col" className="align-end">
              Events
            </th>
            <th scope="col" className="align-end">
              Duration
            </th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {rebuilds.map((rebuild) => (
            <tr key={rebuild.rebuildId} data-rebuild={rebuild.rebuildId}>
              <td data-label="Started">
                <Timestamp ms={rebuild.startedAt} />
              </td>
              <th scope="row" data-label="Projection">
                <a href={rebuildHref(rebuild.rebuildId)}>{rebuild.projection}</a>
                <span className="muted"> · gen {rebuild.generation}</span> <RebuildTags status={rebuild} />
              </th>
              <td data-label="State">
                <StateBadge state={rebuild.state} stalled={rebuild.stalled} />
                {rebuild.state !== "completed" && <span className="num muted"> {formatPercent(rebuild.percent)}</span>}
              </td>
              <td data-label="Events" className="num align-end">
                {formatCount(rebuild.processed)} / {rebuild.total === null ? "…" : formatCount(rebuild.total)}
              </td>
              <td data-label="Duration" className="num align-end">
                {formatElapsed((rebuild.finishedAt ?? rebuild.updatedAt) - rebuild.startedAt)}
              </td>
              <td data-label="By">{rebuild.triggeredBy.name ?? rebuild.triggeredBy.subject}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
