// Terminal progress bars (cli-progress) with processed / total, events/s and ETA. They draw only on
// a TTY; elsewhere (CI, pipes) a line is printed every few seconds instead, so logs stay readable.
import cliProgress from "cli-progress";
import { estimateSecondsLeft, startRate, updateRate, type RateState } from "../progress/rate.ts";

const NON_TTY_INTERVAL_MS = 5_000;

export interface ProgressBar {
  update(processed: number, total?: number): void;
  stop(): void;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--";
  const rounded = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(rounded / 60);
  return minutes > 0 ? `${minutes}m${String(rounded % 60).padStart(2, "0")}s` : `${rounded}s`;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function startProgressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  let rate: RateState = startRate(0, Date.now());
  let currentTotal = total;
  const tokens = (processed: number) => {
    rate = updateRate(rate, processed, Date.now());
    return {
      rate: formatCount(rate.eventsPerSecond),
      eta_text: formatDuration(estimateSecondsLeft(processed, currentTotal, rate.eventsPerSecond)),
      processed_text: formatCount(processed),
      total_text: formatCount(currentTotal),
    };
  };
  if (!stream.isTTY) {
    let lastPrint = 0;
    const print = (processed: number) => {
      const t = tokens(processed);
      stream.write(`${label}: ${t.processed_text} / ${t.total_text}  ${t.rate} events/s  ETA ${t.eta_text}\n`);
    };
    return {
      update(processed, newTotal) {
        if (newTotal !== undefined) currentTotal = newTotal;
        if (Date.now() - lastPrint >= NON_TTY_INTERVAL_MS) {
          lastPrint = Date.now();
          print(processed);
        }
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {processed_text} / {total_text} | {rate} events/s | ETA {eta_text}`,
      hideCursor: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, tokens(0));
  return {
    update(processed, newTotal) {
      if (newTotal !== undefined && newTotal !== currentTotal) {
        currentTotal = newTotal;
        bar.setTotal(newTotal);
      }
      bar.update(processed, tokens(processed));
    },
    stop: () => bar.stop(),
  };
}
