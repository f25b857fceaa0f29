// What the app's functions log (`console.log`, `info`, `debug`) goes to stderr, as a deployment keeps
// function logs apart from what its clients print: the CLI, the demo and the benchmarks print their
// results on stdout, in this same process.
import { currentExecution } from "./execution-context.ts";

const ROUTED = Symbol.for("reproject.localRuntime.functionLogs");

/** Called as the runtime starts (idempotent): patches the process's console once. */
export function routeFunctionLogsToStderr(): void {
  const host = console as Console & { [ROUTED]?: true };
  if (host[ROUTED]) return;
  host[ROUTED] = true;
  for (const level of ["log", "info", "debug"] as const) {
    const print = console[level].bind(console);
    console[level] = (...args: unknown[]) => (currentExecution() ? console.error(...args) : print(...args));
  }
}
