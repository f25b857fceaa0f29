// Who did what, when, and how it went: every trigger, pause, resume and cancel (refused ones too)
// and what the system did by itself (completions, failures, version-bump rebuilds).
import { api } from "../../../convex/_generated/api";
import type { AuditEntry } from "../data/api-types.ts";
import { useAuditLog } from "../../../src/react/index.ts";
import { rebuildHref } from "../routing.ts";
import { AuditDetails } from "../components/AuditDetails.tsx";
import { QueryView } from "../components/QueryView.tsx";
import { ScreenHeader } from "../components/ScreenHeader.tsx";
import { OutcomeBadge } from "../components/StateBadge.tsx";
import { Timestamp } from "../components/Timestamp.tsx";

const SHOWN = 200;

export function AuditLogScreen() {
  const entries = useAuditLog(api.rebuilds, { limit: SHOWN });
  return (
    <section aria-labelledby="audit-heading">
      <ScreenHeader id="audit-heading" title="Audit log" lede={`Who did what and how it went, newest first (the last ${SHOWN}).`} />
      <QueryView query={entries} what="the audit log">
        {(rows) => (rows.length === 0 ? <p className="empty card">Nothing recorded yet.</p> : <AuditTable rows={rows} />)}
      </QueryView>
    </section>
  );
}

function AuditTable({ rows }: { rows: AuditEntry[] }) {
  return (
    <div className="card card-flush">
      <table className="table table-responsive" aria-labelledby="audit-heading">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Projection</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row._id} data-action={row.action} data-outcome={row.outcome} data-actor={row.actor.subject}>
              <td data-label="When">
                <Timestamp ms={row.at} />
              </td>
              <td data-label="Who">
                <span className="who">{row.actor.name ?? row.actor.subject}</span>
                {row.actor.name && <span className="muted who-subject">{row.actor.subject}</span>}
              </td>
              <td data-label="Action">
                <code className="action">{row.action}</code>
              </td>
              <td data-label="Projection">{row.projection ?? <span className="muted">—</span>}</td>
              <td data-label="Outcome">
                <OutcomeBadge outcome={row.outcome} />
              </td>
              <td data-label="Details" className="details">
                {row.details && <AuditDetails details={row.details} />}
                {row.rebuildId && (
                  <a className="details-link" href={rebuildHref(row.rebuildId)}>
                    View rebuild
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
