// Terminal progress bars (cli-progress) with processed / total, events/s and ETA, one or several
// at once (a board: one line per bar). They draw only on a TTY; elsewhere (CI, pipes) a line per bar
// is printed every few seconds instead, and once more when the board stops, so logs stay readable.
import cliProgress from "cli-progress";
import { estimateSecondsLeft, startRate, updateRate, type RateState } from "../progress/rate.ts";

const NON_TTY_INTERVAL_MS = 5_000;

export interface ProgressBar {
  update(processed: number, total?: number): void;
  /** A few words shown after the numbers from the next update on (e.g. how many lanes are done). */
  setDetail(detail: string): void;
  stop(): void;
}

/** Several bars drawn together, e.g. one per rebuild running at the same time. */
export interface ProgressBoard {
  add(label: string, total: number): ProgressBar;
  /** Draws the bars' last state and releases the terminal. */
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

/** One bar's numbers: its own moving-average rate over the updates it is given. */
class BarState {
  private rate: RateState = startRate(0, Date.now());
  processed = 0;
  detail = "";

  constructor(
    readonly label: string,
    public total: number,
  ) {}

  update(processed: number, total: number | undefined) {
    if (total !== undefined) this.total = total;
    this.processed = processed;
    this.rate = updateRate(this.rate, processed, Date.now());
  }

  tokens() {
    return {
      label: this.label,
      rate: formatCount(this.rate.eventsPerSecond),
      eta_text: formatDuration(estimateSecondsLeft(this.processed, this.total, this.rate.eventsPerSecond)),
      processed_text: formatCount(this.processed),
      total_text: formatCount(this.total),
      detail_text: this.detail ? ` | ${this.detail}` : "",
    };
  }

  line(): string {
    const t = this.tokens();
    return `${t.label}: ${t.processed_text} / ${t.total_text}  ${t.rate} events/s  ETA ${t.eta_text}${this.detail ? `  ${this.detail}` : ""}`;
  }
}

export function startProgressBoard(stream: NodeJS.WriteStream = process.stderr): ProgressBoard {
  return stream.isTTY ? terminalBoard(stream) : logBoard(stream);
}

export function startProgressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const board = startProgressBoard(stream);
  const bar = board.add(label, total);
  return {
    update: (processed, newTotal) => bar.update(processed, newTotal),
    setDetail: (detail) => bar.setDetail(detail),
    stop: () => board.stop(),
  };
}

function terminalBoard(stream: NodeJS.WriteStream): ProgressBoard {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: `{label} [{bar}] {percentage}% | {processed_text} / {total_text} | {rate} events/s | ETA {eta_text}{detail_text}`,
      hideCursor: true,
      barsize: 30,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const states: BarState[] = [];
  return {
    add(label, total) {
      const state = new BarState(label, total);
      states.push(state);
      // Labels padded to the longest so the bars line up.
      const tokens = () => ({ ...state.tokens(), label: state.label.padEnd(Math.max(...states.map((s) => s.label.length))) });
      const bar = bars.create(total, 0, tokens());
      return {
        update(processed, newTotal) {
          state.update(processed, newTotal);
          if (newTotal !== undefined) bar.setTotal(newTotal);
          bar.update(processed, tokens());
        },
        setDetail: (detail) => (state.detail = detail),
        stop: () => bar.stop(),
      };
    },
    stop: () => bars.stop(),
  };
}

function logBoard(stream: NodeJS.WriteStream): ProgressBoard {
  const states: BarState[] = [];
  const printed = new Map<BarState, string>();
  const print = (state: BarState) => {
    const line = state.line();
    if (printed.get(state) === line) return;
    printed.set(state, line);
    stream.write(`${line}\n`);
  };
  return {
    add(label, total) {
      const state = new BarState(label, total);
      states.push(state);
      let lastPrint = 0;
      return {
        update(processed, newTotal) {
          state.update(processed, newTotal);
          if (Date.now() - lastPrint < NON_TTY_INTERVAL_MS) return;
          lastPrint = Date.now();
          print(state);
        },
        setDetail: (detail) => (state.detail = detail),
        stop: () => print(state),
      };
    },
    stop: () => states.forEach(print),
  };
}
