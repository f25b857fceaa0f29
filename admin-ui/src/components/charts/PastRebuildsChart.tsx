// A projection's past rebuilds: how long each took (bars, coloured by outcome) and its average rate
// (line), oldest to newest. Live: a rebuild that finishes joins the chart.
import {
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { RebuildState, RebuildStatus } from "../../data/api-types.ts";
import { rebuildDurationMs } from "../../../../src/react/index.ts";
import { formatCount, formatElapsed } from "../../format.ts";

const OUTCOME_COLOURS: Record<RebuildState, string> = {
  running: "var(--running)",
  paused: "var(--paused)",
  completed: "var(--completed)",
  failed: "var(--failed)",
  cancelled: "var(--cancelled)",
};

interface Bar {
  label: string;
  state: RebuildState;
  durationSec: number;
  eventsPerSecond: number;
}

function barsOf(rebuilds: readonly RebuildStatus[]): Bar[] {
  return [...rebuilds]
    .filter((rebuild) => rebuild.state !== "running" && rebuild.state !== "paused")
    .reverse()
    .map((rebuild) => {
      const durationSec = rebuildDurationMs(rebuild) / 1000;
      return {
        label: `gen ${rebuild.generation}`,
        state: rebuild.state,
        durationSec,
        eventsPerSecond: durationSec > 0 ? Math.round(rebuild.processed / durationSec) : 0,
      };
    });
}

export function PastRebuildsChart({
  projection,
  rebuilds,
}: {
  projection: string;
  rebuilds: readonly RebuildStatus[];
}) {
  const bars = barsOf(rebuilds);
  return (
    <section className="card" aria-labelledby="past-rebuilds-heading" data-chart="past-rebuilds">
      <div className="card-header">
        <h3 id="past-rebuilds-heading">Past rebuilds of {projection}</h3>
        <span className="muted">duration (bars, by outcome) and average events/s (line)</span>
      </div>
      {bars.length === 0 ? (
        <p className="empty">No finished rebuild yet.</p>
      ) : (
        <div className="chart">
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart data={bars} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
              <XAxis dataKey="label" />
              <YAxis
                yAxisId="duration"
                tickFormatter={(seconds: number) => formatElapsed(seconds * 1000)}
                width={72}
                label={{ value: "duration", angle: -90, position: "insideLeft" }}
              />
              <YAxis
                yAxisId="rate"
                orientation="right"
                tickFormatter={formatCount}
                width={64}
                label={{ value: "events/s", angle: 90, position: "insideRight" }}
              />
              <Tooltip
                formatter={(value, name) =>
                  name === "duration"
                    ? [formatElapsed(Number(value) * 1000), "duration"]
                    : [`${formatCount(Number(value))} events/s`, "rate"]
                }
              />
              <Bar yAxisId="duration" dataKey="durationSec" name="duration" maxBarSize={56} isAnimationActive={false}>
                {bars.map((bar, index) => (
                  <Cell key={index} fill={OUTCOME_COLOURS[bar.state]} data-state={bar.state} />
                ))}
              </Bar>
              <Line
                yAxisId="rate"
                dataKey="eventsPerSecond"
                name="rate"
                stroke="var(--accent)"
                strokeWidth={2}
                isAnimationActive={false}
              />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
