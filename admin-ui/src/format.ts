// How numbers, rates, durations and times read on screen: counts, percents and rates as the
// progress display of reproject/react writes them, plus elapsed times and timestamps. Times are
// UTC, like the archive's `occurred_at` and the trigger dialog's time range.
import { formatEta } from "../../src/react/index.ts";

export { formatCount, formatPercent } from "../../src/react/index.ts";

/** Elapsed milliseconds: "850 ms", "12.4 s", "3 min 05 s". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatEta(ms / 1000);
}

/** "2025-01-03 14:22:07 UTC" */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `datetime-local` input value (read as UTC) → epoch ms; undefined when empty or unreadable. */
export function utcInputToMs(value: string): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(`${value}${value.length === 16 ? ":00" : ""}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
