// How numbers, rates, durations and times read on screen. Times are UTC, like the archive's
// `occurred_at` and the trigger dialog's time range.
const COUNT = new Intl.NumberFormat("en-US");

export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** One decimal, rounded down: 99.99 must not read as 100% before the rebuild is complete. */
export function formatPercent(percent: number): string {
  return `${(Math.floor(percent * 10) / 10).toFixed(1)}%`;
}

export function formatRate(eventsPerSecond: number): string {
  return `${COUNT.format(Math.round(eventsPerSecond))}/s`;
}

/** Seconds left: "< 1 s", "42 s", "3 min 05 s", "2 h 04 min". */
export function formatEta(seconds: number): string {
  if (seconds < 1) return "< 1 s";
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

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
