// One series of a rebuild over time since its start: a line, its axes, the stretch it stalled shaded.
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatElapsed } from "../../format.ts";

const CHART_HEIGHT = 220;

const elapsedTick = (seconds: number) => formatElapsed(seconds * 1000);

/** A rebuild at one moment: seconds since its start, its rate, its progress (unknown before it is planned). */
export interface TimePoint {
  t: number;
  eventsPerSecond: number;
  percent: number | null;
}

export interface TimeSeries {
  /** `data-chart` of the figure, for tests and styles. */
  name: string;
  caption: string;
  points: TimePoint[];
  valueKey: "eventsPerSecond" | "percent";
  colour: string;
  axisLabel: string;
  valueDomain?: [number, number];
  formatValue: (value: number) => string;
  /** Seconds since the start when the stall began, and now. */
  stalled: { x1: number; x2: number } | null;
}

export function TimeChart(series: TimeSeries) {
  const { name, caption, points, valueKey, colour, axisLabel, valueDomain, formatValue, stalled } = series;
  return (
    <figure className="chart" data-chart={name}>
      <figcaption>{caption}</figcaption>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            domain={[0, stalled ? stalled.x2 : "dataMax"]}
            tickFormatter={elapsedTick}
            label={{ value: "time since start", position: "insideBottom", offset: -4 }}
            height={40}
          />
          <YAxis
            {...(valueDomain ? { domain: valueDomain } : {})}
            tickFormatter={formatValue}
            width={64}
            label={{ value: axisLabel, angle: -90, position: "insideLeft" }}
          />
          <Tooltip
            labelFormatter={(t) => elapsedTick(Number(t))}
            formatter={(value) => [formatValue(Number(value)), axisLabel]}
          />
          {stalled && <ReferenceArea {...stalled} fill="var(--failed-soft)" label="stalled" />}
          <Line dataKey={valueKey} stroke={colour} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
