// Runs the local runtime (serve.ts) in a child process, for callers that must not host convex-test
// themselves: tests under Vite's module runner, browser tests, benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface LocalRuntimeProcessOptions {
  port?: number;
  persistFile?: string;
  convexDir?: string;
  /** The latency model (LocalRuntimeOptions.callLatencyMs). */
  callLatencyMs?: number;
  /** Added to this process's environment for the child (e.g. REPROJECT_ARCHIVE, S3_ENDPOINT). */
  env?: Record<string, string>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the stop signal to the exit. */
  stoppedInMs: number;
  /** The process did not exit by itself within the time allowed and was killed. */
  killed: boolean;
}

export interface LocalRuntimeProcess {
  readonly url: string;
  readonly pid: number;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits for the exit; kills the process if it is still there after `killAfterMs`. */
  stop(options?: { signal?: NodeJS.Signals; killAfterMs?: number }): Promise<ProcessExit>;
}

const STARTUP_TIMEOUT_MS = 20_000;

export async function startLocalRuntimeProcess(options: LocalRuntimeProcessOptions = {}): Promise<LocalRuntimeProcess> {
  const entry = fileURLToPath(new URL("./serve.ts", import.meta.url));
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const args = ["--import", tsx, entry, "--port", String(options.port ?? 0)];
  if (options.persistFile !== undefined) args.push("--persist", options.persistFile);
  if (options.convexDir !== undefined) args.push("--convex-dir", options.convexDir);
  if (options.callLatencyMs !== undefined) args.push(`--call-latency-ms=${options.callLatencyMs}`);
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await readyUrl(child, () => stderr);
  return {
    url,
    pid: child.pid!,
    stderr: () => stderr,
    async stop({ signal = "SIGTERM", killAfterMs = 10_000 } = {}) {
      const startedAt = performance.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let killed = false;
      const killTimer = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, killAfterMs);
      const exit = await exited;
      clearTimeout(killTimer);
      return { ...exit, stoppedInMs: performance.now() - startedAt, killed };
    },
  };
}

function readyUrl(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`The local runtime did not start within ${STARTUP_TIMEOUT_MS} ms. stderr: ${stderr()}`));
    }, STARTUP_TIMEOUT_MS);
    // Keeps draining stdout after the ready line (functions may log), or the child would block.
    child.stdout!.on("data", (chunk: Buffer) => {
      if (ready) return;
      stdout += chunk.toString();
      const url = /LOCAL_RUNTIME_READY (\S+)/.exec(stdout)?.[1];
      if (url === undefined) return;
      ready = true;
      clearTimeout(timer);
      resolve(url);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The local runtime exited with code ${code} before it was ready. stderr: ${stderr()}`));
    });
  });
}
