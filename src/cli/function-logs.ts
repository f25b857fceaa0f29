// The local runtime runs the Convex functions in the CLI's own process, so their console output (the
// app's logs, the Workpool's reports of failed work with stack traces) would land among the
// command's output. It is the runtime's log: hidden unless asked for, as a deployment keeps it in
// its dashboard. The command's own output goes to process.stdout / stderr directly.
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

/** Mutes the console until the returned function is called. */
export function muteFunctionLogs(): () => void {
  const originals = CONSOLE_METHODS.map((method) => [method, console[method]] as const);
  for (const method of CONSOLE_METHODS) console[method] = () => undefined;
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}
