// `reproject demo` (`npm run demo`): the whole of Reproject in one command, on this machine.
import { DEFAULT_DEMO_SEED, MAX_DEMO_SEED } from "../../local/demo/generate-demo-archive.ts";
import { DEFAULT_DEMO_DIR } from "../../local/demo/demo-layout.ts";
import { runDemo, type DemoSummary } from "../../local/demo/run-demo.ts";
import { parseCommandArgs, parsePositiveInteger, printUsage, RUNTIME_COMMAND_FLAGS } from "../args.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { muteFunctionLogs } from "../function-logs.ts";
import { describePreflight } from "../preflight-table.ts";
import { formatCount } from "../progress-bar.ts";

const DEFAULT_EVENTS = 1_000_000;
/** Vite's usual port. */
const DEFAULT_PANEL_PORT = 5173;

const USAGE = `Usage: reproject demo [--events N] [--seed S] [--headless] [--port P] [--dir DIR] [--json] [--verbose]

Runs Reproject end to end on this machine: a loopback S3 server with a generated demo archive
(reused by later runs), the local runtime with the project's Convex functions, the admin panel, live
events, both demo projections rebuilt with progress bars, then a redeploy that bumps sessionSummary's
version and its automatic rebuild. Then it keeps running for the panel until Ctrl-C.

  --events N   events in the archive (default ${formatCount(DEFAULT_EVENTS)})
  --seed S     the generator's seed (default ${DEFAULT_DEMO_SEED})
  --headless   no admin panel: run to the end, print a summary and exit
  --port P     the admin panel's port (default ${DEFAULT_PANEL_PORT})
  --dir DIR    where the demo keeps its data (default ${DEFAULT_DEMO_DIR})
  --json       print the summary as JSON on stdout
  --verbose    show the Convex functions' logs (hidden by default)`;

export const demoCommand: CliCommand = {
  name: "demo",
  summary: "run the whole demo: archive on loopback S3, local runtime, admin panel, rebuilds, redeploy",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        events: { type: "string" },
        seed: { type: "string" },
        headless: { type: "boolean" },
        port: { type: "string" },
        dir: { type: "string" },
        ...RUNTIME_COMMAND_FLAGS,
      },
      USAGE,
    );
    if (values.help) return printUsage(USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".\n\n${USAGE}`);
    const events = parsePositiveInteger(values.events, "--events") ?? DEFAULT_EVENTS;
    if (events < 2) throw new UsageError("--events must be at least 2 (a playback session is at least Play and End)");
    const seed = values.seed === undefined ? DEFAULT_DEMO_SEED : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_DEMO_SEED) {
      throw new UsageError(`--seed must be a whole number from 0 to ${MAX_DEMO_SEED}, got "${values.seed}"`);
    }
    const port = parsePositiveInteger(values.port, "--port") ?? DEFAULT_PANEL_PORT;
    if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}`);

    const unmuteLogs = values.verbose ? () => undefined : muteFunctionLogs();
    const startedAt = performance.now();
    const log = (line: string) =>
      process.stderr.write(`demo [${((performance.now() - startedAt) / 1000).toFixed(1)} s]: ${line}\n`);
    const demo = await runDemo({ events, seed, headless: values.headless ?? false, port, dir: values.dir, log });
    process.stdout.write(values.json ? `${JSON.stringify(demo.summary, null, 2)}\n` : describeSummary(demo.summary));
    if (!values.headless) {
      log("the panel and the runtime keep running; press Ctrl-C to stop");
      await new Promise((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
    await demo.stop();
    unmuteLogs();
    return 0;
  },
};

function describeSummary(summary: DemoSummary): string {
  const { calls, readModels } = summary;
  const lines = [
    "",
    `Reproject demo: ${formatCount(summary.events.archive)} archived + ${formatCount(summary.events.live)} live events, done in ${summary.seconds.toFixed(1)} s`,
    "",
    "Rebuilds:",
    ...summary.rebuilds.map(
      (rebuild) =>
        `  ${`${rebuild.projection} v${rebuild.version}`.padEnd(20)} ${rebuild.state}  ${formatCount(rebuild.processed).padStart(11)} events  ` +
        `${rebuild.seconds.toFixed(1).padStart(6)} s  ${formatCount(rebuild.eventsPerSecond).padStart(9)} events/s  (by ${rebuild.triggeredBy})`,
    ),
    `  ${formatCount(summary.rebuildEventsPerSecond)} events/s over ${summary.rebuildSeconds.toFixed(1)} s of rebuilding`,
    "",
    `Automatic rebuild: ${summary.redeploy.projection} version ${summary.redeploy.fromVersion} → ${summary.redeploy.toVersion}; reconcile answered ` +
      summary.reconcile.afterRedeploy.map(({ projection, action }) => `${projection} ${action}`).join(", "),
    "",
    "Its pre-flight plan, before it started:",
    describePreflight(summary.preflight).trimEnd(),
    "",
    `Convex function calls: ${formatCount(calls.total.queries)} queries, ${formatCount(calls.total.mutations)} mutations, ` +
      `${formatCount(calls.total.actions)} actions (${formatCount(calls.total.scheduled)} scheduled)`,
    `  app ${describeCounts(calls.app)}`,
    ...Object.entries(calls.components).map(([path, counts]) => `  ${path} ${describeCounts(counts)}`),
    `  (${formatCount(summary.statusPolls)} of the app's queries are this demo's status polls)`,
    "",
    "Read models:",
    ...Object.entries(readModels).map(
      ([projection, total]) =>
        `  ${projection.padEnd(16)} ${formatCount(total.documents)} documents; ` +
        Object.entries(total.sums)
          .map(([field, sum]) => `${field} ${formatCount(sum)}`)
          .join(", "),
    ),
  ];
  if (summary.adminPanel) {
    lines.push(
      "",
      `Admin panel: ${summary.adminPanel.url} (sign in as ${summary.adminPanel.admin.subject}, role ${summary.adminPanel.admin.role})`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function describeCounts(counts: DemoSummary["calls"]["total"]): string {
  return `${formatCount(counts.queries)} queries, ${formatCount(counts.mutations)} mutations, ${formatCount(counts.actions)} actions`;
}
