// A rebuild's events/s and progress over time, from its samples (live: each committed batch moves the
// latest point). A running rebuild without progress for a while is marked stalled on both charts.
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../../../convex/_generated/api";
import type { RebuildStatus } from "../../data/api-types.ts";
import { useRebuildSamples } from "../../../../src/react/index.ts";
import { formatCount, formatElapsed } from "../../format.ts";
import { QueryView } from "../QueryView.tsx";
import { stalledSince, type Sample } from "./stall.ts";
import { useNow } from "../../clock.ts";

const CHART_HEIGHT = 220;

interface Point {
  /** Seconds since the rebuild started. */
  t: number;
  eventsPerSecond: number;
  percent: number | null;
}

/** The samples after the rebuild's start, where nothing was processed yet. */
function pointsOf(samples: readonly Sample[], status: RebuildStatus): Point[] {
  const start = { at: status.startedAt, processed: 0, eventsPerSecond: 0 };
  return [start, ...samples].map((sample) => ({
    t: (sample.at - status.startedAt) / 1000,
    eventsPerSecond: Math.round(sample.eventsPerSecond),
    percent: status.total ? Math.min(100, (sample.processed / status.total) * 100) : null,
  }));
}

const elapsedTick = (seconds: number) => formatElapsed(seconds * 1000);

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
          const domainEnd = stallArea ? stallArea.x2 : "dataMax";
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
                  <figure className="chart" data-chart="events-per-second">
                    <figcaption>Events/s</figcaption>
                    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
                      <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                        <XAxis
                          dataKey="t"
                          type="number"
                          domain={[0, domainEnd]}
                          tickFormatter={elapsedTick}
                          label={{ value: "time since start", position: "insideBottom", offset: -4 }}
                          height={40}
                        />
                        <YAxis
                          tickFormatter={formatCount}
                          width={64}
                          label={{ value: "events/s", angle: -90, position: "insideLeft" }}
                        />
                        <Tooltip
                          labelFormatter={(t) => elapsedTick(Number(t))}
                          formatter={(value) => [`${formatCount(Number(value))} events/s`, "rate"]}
                        />
                        {stallArea && <ReferenceArea {...stallArea} fill="var(--failed-soft)" label="stalled" />}
                        <Line
                          dataKey="eventsPerSecond"
                          stroke="var(--running)"
                          strokeWidth={2}
                          dot={false}
                          isAnimationActive={false}
                        />
                      </LineChart>
                    </ResponsiveContainer>
                  </figure>
                  <figure className="chart" data-chart="progress">
                    <figcaption>Progress</figcaption>
                    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
                      <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
                        <XAxis
                          dataKey="t"
                          type="number"
                          domain={[0, domainEnd]}
                          tickFormatter={elapsedTick}
                          label={{ value: "time since start", position: "insideBottom", offset: -4 }}
                          height={40}
                        />
                        <YAxis
                          domain={[0, 100]}
                          tickFormatter={(percent: number) => `${percent}%`}
                          width={64}
                          label={{ value: "% done", angle: -90, position: "insideLeft" }}
                        />
                        <Tooltip
                          labelFormatter={(t) => elapsedTick(Number(t))}
                          formatter={(value) => [`${Number(value).toFixed(1)}%`, "done"]}
                        />
                        {stallArea && <ReferenceArea {...stallArea} fill="var(--failed-soft)" label="stalled" />}
                        <Line
                          dataKey="percent"
                          stroke="var(--completed)"
                          strokeWidth={2}
                          dot={false}
                          isAnimationActive={false}
                          connectNulls
                        />
                      </LineChart>
                    </ResponsiveContainer>
                  </figure>
                </div>
              )}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
