// The rebuild's counters: found = applied + skipped + filtered + invalid + failed, plus dead-lettered
// and retried.
import type { Counters } from "../data/api-types.ts";
import { formatCount } from "../format.ts";

const COUNTERS: { key: keyof Counters; label: string; hint: string; alarm?: boolean }[] = [
  { key: "found", label: "Found", hint: "events read" },
  { key: "applied", label: "Applied", hint: "through the handlers" },
  { key: "skipped", label: "Skipped", hint: "types not consumed" },
  { key: "filtered", label: "Filtered", hint: "dropped by the filter" },
  { key: "invalid", label: "Invalid", hint: "malformed events", alarm: true },
  { key: "failed", label: "Failed", hint: "handler threw", alarm: true },
  { key: "deadLettered", label: "Dead-lettered", hint: "set aside with a reason", alarm: true },
  { key: "retried", label: "Retried", hint: "chunk attempts" },
];

export function CountersGrid({ counters }: { counters: Counters }) {
  return (
    <dl className="counter-grid">
      {COUNTERS.map(({ key, label, hint, alarm }) => (
        <div className="counter" key={key} data-counter={key} data-alarm={alarm && counters[key] > 0 ? "true" : undefined}>
          <dt>{label}</dt>
          <dd className="num">{formatCount(counters[key])}</dd>
          <p className="counter-hint">{hint}</p>
        </div>
      ))}
    </dl>
  );
}
