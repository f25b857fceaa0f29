// Runs the local runtime on its own:
//   npx tsx src/local/runtime/serve.ts [--port 3210] [--persist FILE] [--convex-dir DIR] [--call-latency-ms 30]
// Prints `LOCAL_RUNTIME_READY <url>` on stdout once it serves; SIGTERM or SIGINT stops it cleanly.
import { parseArgs } from "node:util";
import { encodeIdentityToken } from "./identity.ts";
import { startLocalRuntime } from "./runtime.ts";

/** Convex's own local backend listens here too, so clients' defaults line up. */
const DEFAULT_PORT = 3210;
/** After a signal, `stop()` should let the process end by itself; if something still holds it, end it. */
const FORCED_EXIT_AFTER_MS = 5000;
const EXAMPLE_ADMIN = { subject: "local-admin", name: "Local admin", role: "admin" };

const { values } = parseArgs({
  options: {
    port: { type: "string", default: String(DEFAULT_PORT) },
    persist: { type: "string" },
    "convex-dir": { type: "string" },
    "call-latency-ms": { type: "string" },
  },
});
const callLatencyMs = values["call-latency-ms"] === undefined ? 0 : Number(values["call-latency-ms"]);
if (!Number.isFinite(callLatencyMs) || callLatencyMs < 0) {
  process.stderr.write(
    `serve: --call-latency-ms must be a number of milliseconds >= 0, got "${values["call-latency-ms"]}"\n`,
  );
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`serve: --port must be an integer from 0 to 65535, got "${values.port}"\n`);
  process.exit(2);
}

const runtime = await startLocalRuntime({
  port,
  ...(values.persist === undefined ? {} : { persistFile: values.persist }),
  ...(values["convex-dir"] === undefined ? {} : { convexDir: values["convex-dir"] }),
  callLatencyMs,
});
process.stderr.write(
  `local runtime: Convex HTTP API at ${runtime.url} (POST /api/query|mutation|action, GET /api/subscribe, GET /local/stats), ` +
    `started in ${runtime.stats().startupMs.toFixed(0)} ms${values.persist ? `, persisted to ${values.persist}` : ""}\n` +
    `local runtime: a bearer token for ${JSON.stringify(EXAMPLE_ADMIN)}: ${encodeIdentityToken(EXAMPLE_ADMIN)}\n`,
);
process.stdout.write(`LOCAL_RUNTIME_READY ${runtime.url}\n`);

let stopping = false;
async function stopOnSignal(): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  setTimeout(() => {
    process.stderr.write(`local runtime: still running ${FORCED_EXIT_AFTER_MS} ms after stop, exiting\n`);
    process.exit(1);
  }, FORCED_EXIT_AFTER_MS).unref();
  await runtime.stop();
}
process.on("SIGTERM", () => void stopOnSignal());
process.on("SIGINT", () => void stopOnSignal());
