// Events a dead-letter rebuild set aside, grouped by reason and each with its reason, with export and
// re-drive. Live: rows appear as the rebuild goes on.
import { api } from "../../../convex/_generated/api";
import { useDeadLetters } from "../../../src/react/index.ts";
import { Timestamp } from "./Timestamp.tsx";
import { QueryView } from "./QueryView.tsx";
import { DeadLetterActions, LettersByReason } from "./DeadLetterActions.tsx";
import type { RebuildStatus } from "../data/api-types.ts";

const SHOWN = 200;

export function DeadLettersTable({ status }: { status: RebuildStatus }) {
  const { rebuildId } = status;
  const count = status.counters.deadLettered;
  const deadLetters = useDeadLetters(api.rebuilds, rebuildId, { limit: SHOWN });
  return (
    <section className="card" aria-labelledby="dead-letters-heading">
      <div className="card-header">
        <h3 id="dead-letters-heading">Dead letters</h3>
        <span className="muted num">{count > SHOWN ? `first ${SHOWN} of ${count}` : `${count} event${count === 1 ? "" : "s"}`}</span>
      </div>
      <DeadLetterActions status={status} />
      <QueryView query={deadLetters} what="dead letters">
        {(rows) =>
          rows.length === 0 ? (
            <p className="empty">No event was dead-lettered.</p>
          ) : (
            <div className="table-wrap">
              <LettersByReason rows={rows} />
              <table className="table" aria-labelledby="dead-letters-heading">
                <thead>
                  <tr>
                    <th scope="col">Position</th>
                    <th scope="col">Event id</th>
                    <th scope="col">Type</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Reason</th>
                    <th scope="col">At</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row._id}>
                      <td data-label="Position" className="num">
                        {row.position}
                      </td>
                      <td data-label="Event id">
                        <code>{row.eventId}</code>
                      </td>
                      <td data-label="Type">
                        {row.eventType} <span className="muted">v{row.eventVersion}</span>
                      </td>
                      <td data-label="Kind">{row.kind}</td>
                      <td data-label="Reason" className="reason">
                        {row.reason}
                      </td>
                      <td data-label="At">
                        <Timestamp ms={row.at} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}
