// End-to-end rebuilds on the local runtime, each in a worker process (rebuild-worker.ts): speed and
// where the time goes, function calls and bytes written, peak RSS, and the cost of resuming after a
// crash in the middle.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerProgress, WorkerResult } from "./rebuild-worker.ts";

const WORKER = fileURLToPath(new URL("./rebuild-worker.ts", import.meta.url));
/** The crash comes at the first snapshot saved after this share of the events (the state file lags the progress)... */
const CRASH_AFTER_SHARE = 0.4;
/** ...or here at the latest, whatever the state file holds then (a busy process may save seconds apart). */
const CRASH_AT_THE_LATEST_SHARE = 0.75;

export interface RebuildOptions {
  profile?: boolean;
  timeLimitSeconds?: number;
  /** Lanes to ask the trigger for. */
  lanes?: number;
  /** The local runtime's latency model: each query and mutation an action calls waits this long. */
  callLatencyMs?: number;
  /** Whether the result carries a digest of the read model's documents. */
  digest?: boolean;
  /** Whether the worker samples the heap it retains (forced GCs: its peak RSS then means nothing). */
  retainedHeap?: boolean;
  /** Variables the worker's environment adds (e.g. REPROJECT_REPLAY_PARALLELISM). */
  env?: Record<string, string>;
}

/** Starts a worker; `onProgress` sees each PROGRESS line, the promise its RESULT (or the reason it has none). */
function startWorker(
  args: string[],
  onProgress: (progress: WorkerProgress) => void = () => undefined,
  env: Record<string, string> = {},
) {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stderr = "";
  let buffered = "";
  let result: WorkerResult | undefined;
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith("PROGRESS ")) onProgress(JSON.parse(line.slice("PROGRESS ".length)) as WorkerProgress);
      else if (line.startsWith("RESULT ")) result = JSON.parse(line.slice("RESULT ".length)) as WorkerResult;
    }
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result: WorkerResult | undefined;
    stderr: string;
  }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, result, stderr }));
  });
  return { child, exited };
}

/**
 * The fastest of `runs` rebuilds (a machine shared with other work makes single runs noisy); a run
 * cut off by its time limit is not repeated.
 */
export async function bestRebuild(
  projection: string,
  archive: string,
  runs: number,
  options: RebuildOptions = {},
): Promise<WorkerResult> {
  let best = await measureRebuild(projection, archive, options);
  for (let run = 1; run < runs && best.completed; run++) {
    const next = await measureRebuild(projection, archive, options);
    if (next.seconds < best.seconds) best = next;
  }
  return best;
}

export async function measureRebuild(
  projection: string,
  archive: string,
  options: RebuildOptions = {},
): Promise<WorkerResult> {
  const args = [projection, archive];
  if (options.profile) args.push("--profile");
  if (options.timeLimitSeconds !== undefined) args.push("--time-limit", String(options.timeLimitSeconds));
  if (options.lanes !== undefined) args.push("--lanes", String(options.lanes));
  if (options.callLatencyMs !== undefined) args.push("--call-latency-ms", String(options.callLatencyMs));
  if (options.digest) args.push("--digest");
  if (options.retainedHeap) args.push("--retained-heap");
  const { code, result, stderr } = await startWorker(args, undefined, options.env).exited;
  if (code !== 0 || !result)
    throw new Error(`the ${projection} rebuild of ${archive} exited with code ${code}: ${stderr.slice(-2000)}`);
  return result;
}

export interface ResumeMeasurement {
  events: number;
  /** Progress the crashed process had reached and the checkpoint the restarted one found. */
  processedAtCrash: number;
  processedAtRestart: number;
  /** Rows decoded more than once across the crash (the work lost with it, and the partial row group). */
  reRead: number;
  /** Events applied more than once: the read model beyond the one of an uninterrupted rebuild. */
  reApplied: number;
  /** Whether the resumed read model equals the uninterrupted one. */
  readModelMatches: boolean;
  retried: number;
}

/**
 * Crashes a rebuild in the middle: the worker, persisting its runtime state, is killed with SIGKILL
 * at the first snapshot saved after CRASH_AFTER_SHARE of the events (CRASH_AT_THE_LATEST_SHARE at the latest); a second worker resumes
 * from the state file. `reference` is an uninterrupted rebuild of the same archive. A rate limit
 * stretches a small rebuild so that a snapshot lands before it ends (quick mode).
 */
export async function measureResume(
  projection: string,
  archive: string,
  reference: WorkerResult,
  options: { rateLimit?: number } = {},
): Promise<ResumeMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), "reproject-bench-resume-"));
  const stateFile = join(dir, "runtime-state.json");
  try {
    let last: WorkerProgress | undefined;
    let sharePassedAt: number | undefined;
    let killed = false;
    const rateLimit = options.rateLimit === undefined ? [] : ["--rate-limit", String(options.rateLimit)];
    const victim = startWorker([projection, archive, "--persist", stateFile, ...rateLimit], (progress) => {
      last = progress;
      if (
        sharePassedAt === undefined &&
        progress.total !== null &&
        progress.processed >= progress.total * CRASH_AFTER_SHARE
      )
        sharePassedAt = Date.now();
      const late = progress.total !== null && progress.processed >= progress.total * CRASH_AT_THE_LATEST_SHARE;
      if (sharePassedAt !== undefined && !killed && (late || savedSince(stateFile, sharePassedAt))) {
        killed = true;
        victim.child.kill("SIGKILL");
      }
    });
    const crash = await victim.exited;
    if (crash.signal !== "SIGKILL" || !last?.rebuildId) {
      throw new Error(
        `the rebuild ended (code ${crash.code}) before it could be crashed in the middle: use a larger archive. ${crash.stderr.slice(-1000)}`,
      );
    }
    let firstAfterRestart: WorkerProgress | undefined;
    const resumed = await startWorker(
      [projection, archive, "--persist", stateFile, "--rebuild-id", last.rebuildId],
      (progress) => {
        // The first status the restarted runtime reports: the checkpoint its saved state holds.
        if (progress.total !== null) firstAfterRestart ??= progress;
      },
    ).exited;
    const result = resumed.result;
    if (resumed.code !== 0 || !result)
      throw new Error(`the resumed rebuild exited with code ${resumed.code}: ${resumed.stderr.slice(-2000)}`);
    const events = reference.processed;
    return {
      events,
      processedAtCrash: last.processed,
      processedAtRestart: firstAfterRestart?.processed ?? 0,
      reRead: last.rowsRead + result.rowsRead - events,
      reApplied: result.counters.applied - reference.counters.applied,
      readModelMatches: JSON.stringify(result.readModel) === JSON.stringify(reference.readModel),
      retried: result.counters.retried,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function savedSince(file: string, sinceMs: number): boolean {
  try {
    return statSync(file).mtimeMs > sinceMs;
  } catch {
    return false;
  }
}
