// A rebuild's events/s and progress over time, from its samples (live: each committed batch moves the
// latest point). A running rebuild without progress for a while is marked stalled on both charts.
import { api } from "../../../../convex/_generated/api";
import type { RebuildStatus } from "../../data/api-types.ts";
import { useRebuildSamples } from "../../../../src/react/index.ts";
import { formatCount, formatElapsed } from "../../format.ts";
import { QueryView } from "../QueryView.tsx";
import { stalledSince, type Sample } from "./stall.ts";
import { TimeChart, type TimePoint } from "./TimeChart.tsx";
import { useNow } from "../../clock.ts";

/** The samples after the rebuild's start, where nothing was processed yet. */
function pointsOf(samples: readonly Sample[], status: RebuildStatus): TimePoint[] {
  const start = { at: status.startedAt, processed: 0, eventsPerSecond: 0 };
  return [start, ...samples].map((sample) => ({
    t: (sample.at - status.startedAt) / 1000,
    eventsPerSecond: Math.round(sample.eventsPerSecond),
    percent: status.total ? Math.min(100, (sample.processed / status.total) * 100) : null,
  }));
}

export function RebuildCharts({ status }: { status: RebuildStatus }) {
  const samples = useRebuildSamples(api.rebuilds, status.rebuildId);
  const now = useNow(5_000);
  return (
    <section className="card" aria-labelledby="charts-heading" data-charts="rebuild">
      <QueryView query={samples} what="the rebuild's samples">
        {(rows) => {
          const stalled = stalledSince(rows, status, now);
          const points = pointsOf(rows, status);
          const stallArea =
            stalled === null ? null : { x1: (stalled - status.startedAt) / 1000, x2: (now - status.startedAt) / 1000 };
          return (
            <>
              <div className="card-header">
                <h3 id="charts-heading">Over time</h3>
                {stalled !== null ? (
                  <span className="badge" data-tone="failed" data-field="stalled">
                    Stalled: no progress for {formatElapsed(now - stalled)}
                  </span>
                ) : (
                  <span className="muted num">{formatCount(rows.length)} samples</span>
                )}
              </div>
              {rows.length === 0 ? (
                <p className="empty">No batch committed yet.</p>
              ) : (
                <div className="grid-2 charts">
                  <TimeChart
                    name="events-per-second"
                    caption="Events/s"
                    points={points}
                    valueKey="eventsPerSecond"
                    colour="var(--running)"
                    axisLabel="events/s"
                    formatValue={formatCount}
                    stalled={stallArea}
                  />
                  <TimeChart
                    name="progress"
                    caption="Progress"
                    points={points}
                    valueKey="percent"
                    colour="var(--completed)"
                    axisLabel="% done"
                    valueDomain={[0, 100]}
                    formatValue={(percent) => `${Math.round(percent * 10) / 10}%`}
                    stalled={stallArea}
                  />
                </div>
              )}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
