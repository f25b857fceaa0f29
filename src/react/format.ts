// How a rebuild's numbers read: counts, percent, rate, time left.
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
