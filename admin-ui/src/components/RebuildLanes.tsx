// A rebuild in lanes, lane by lane, under its progress bar (which stays their sum): what each lane
// has processed, its rate, whether it is done and its retried chunks. Nothing for one chain.
import type { LaneStatus } from "../data/api-types.ts";
import { formatCount } from "../format.ts";

export function RebuildLanes({ lanes }: { lanes: readonly LaneStatus[] }) {
  if (lanes.length === 0) return null;
  const done = lanes.filter((lane) => lane.done).length;
  return (
    <div className="rebuild-lanes">
      <p className="rebuild-lanes-summary" data-testid="lanes-summary">
        {lanes.length} lanes, {done} done
      </p>
      <table className="table lanes-table" aria-label="Lanes">
        <thead>
          <tr>
            <th scope="col">Lane</th>
            <th scope="col" className="align-end">
              Processed
            </th>
            <th scope="col" className="align-end">
              Events/s
            </th>
            <th scope="col">Done</th>
            <th scope="col" className="align-end">
              Retries
            </th>
          </tr>
        </thead>
        <tbody>
          {lanes.map((lane) => (
            <tr key={lane.lane} data-lane={lane.lane} data-done={lane.done || undefined}>
              <th scope="row">{lane.lane}</th>
              <td className="align-end num" data-field="processed">
                {formatCount(lane.processed)}
              </td>
              <td className="align-end num" data-field="rate">
                {lane.done ? "—" : formatCount(lane.eventsPerSecond)}
              </td>
              <td data-field="done">{lane.done ? "done" : "running"}</td>
              <td className="align-end num" data-field="retried" data-alarm={lane.retried > 0 || undefined}>
                {formatCount(lane.retried)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
