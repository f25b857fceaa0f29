// `reproject rebuild`: rebuilds a projection from an event archive on the local runtime hosted in
// this process (the project's Convex functions, the real Workpool, real timers), with a live
// progress bar, then prints the counters and can dump the read model it wrote.
import { resolve } from "node:path";
import type { FunctionArgs } from "convex/server";
import { api } from "../../../convex/_generated/api.js";
import { envelope } from "../../../convex/envelope.ts";
import { registry } from "../../../convex/projections.ts";
import { ArchiveTable } from "../../archive/table.ts";
import { startLocalRuntime } from "../../local/runtime/runtime.ts";
import { checkArchiveCarriesEnvelope } from "../../archive/archive-envelope.ts";
import { filterProblem } from "../../replay/filter.ts";
import { localAdminIdentity } from "../admin-identity.ts";
import {
  parseCommandArgs,
  parseIsoInstant,
  parseLaneCount,
  parseList,
  printUsage,
  requirePositional,
  RUNTIME_COMMAND_FLAGS,
} from "../args.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { muteFunctionLogs } from "../function-logs.ts";
import { formatCount, startProgressBoard } from "../progress-bar.ts";
import { dumpReadModel } from "../read-model-dump.ts";
import { laneSummary, watchRebuilds, type RebuildStatus } from "../rebuild-watch.ts";
import { runFunction } from "../runtime-calls.ts";

const PROJECTIONS = registry.projections.map((projection) => projection.name);

const USAGE = `Usage: reproject rebuild <projection> --archive <table> [--from ISO] [--to ISO] [--types A,B]
                         [--where k=v,...] [--lanes N] [--dump FILE] [--verify] [--json]

Rebuilds a projection from an event archive on the local runtime (the project's Convex functions in
this process, with the real Workpool), shows its progress, then prints its counters.

  <projection>      ${PROJECTIONS.join(", ")}
  --archive TABLE   a table directory, a *.metadata.json file, or s3://bucket/prefix
                    (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION from the environment)
  --from ISO        only events that occurred at or after this instant (inclusive)
  --to ISO          only events that occurred before this instant (exclusive)
  --types A,B       only these event types
  --where k=v,...   only events whose attributes have these values, e.g. cdn=CDN1,device=Android
                    (a key given twice accepts either value)
  --lanes N         run the archive phase in N parallel lanes (1 to 16; projections with a lane key),
                    all at once unless REPROJECT_REPLAY_PARALLELISM says otherwise
  --dump FILE       write the read model to FILE: a JSON array sorted by key
  --verify          then run a verify run: rebuild again into a shadow generation and diff it with
                    the one just built, document by document (exit code 3 when they differ)
  --json            print the result as JSON on stdout
  --verbose         show the Convex functions' logs (hidden by default)

A filtered rebuild writes a generation of its own, never the active read model; --dump writes that one.`;

const CLI_ADMIN = localAdminIdentity("reproject-cli", "reproject CLI");

type Filter = NonNullable<NonNullable<FunctionArgs<typeof api.rebuilds.trigger>["options"]>["filter"]>;

export const rebuildCommand: CliCommand = {
  name: "rebuild",
  summary: "rebuild a projection from an archive on the local runtime, with progress; dump its read model",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        archive: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        types: { type: "string" },
        where: { type: "string" },
        lanes: { type: "string" },
        dump: { type: "string" },
        verify: { type: "boolean" },
        ...RUNTIME_COMMAND_FLAGS,
      },
      USAGE,
    );
    if (values.help) return printUsage(USAGE);
    const projection = registry.get(requirePositional(positionals, 0, "projection", USAGE));
    if (!projection) throw new UsageError(`unknown projection "${positionals[0]}"; known: ${PROJECTIONS.join(", ")}`);
    if (values.archive === undefined) throw new UsageError(`--archive is required.\n\n${USAGE}`);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}".\n\n${USAGE}`);
    const filter = filterFromFlags(values);
    const problem = filterProblem(filter, envelope);
    if (problem) throw new UsageError(`--where: ${problem}`);
    if (values.verify && filter)
      throw new UsageError("--verify compares whole generations: it takes no --from, --to, --types or --where");
    const lanes = parseLaneCount(values.lanes);
    const location = localArchiveLocation(values.archive);
    // A missing archive or envelope column is reported before the runtime starts, with the file or column at fault.
    checkArchiveCarriesEnvelope((await ArchiveTable.open(location)).schema, envelope, location);

    process.env.REPROJECT_ARCHIVE = location;
    // The runtime's replay pool serves this rebuild alone: its lanes may all run at once.
    if (lanes !== undefined && lanes > 1) process.env.REPROJECT_REPLAY_PARALLELISM ??= String(lanes);
    const unmuteLogs = values.verbose ? () => undefined : muteFunctionLogs();
    const runtime = await startLocalRuntime();
    try {
      const answer = await runFunction(
        runtime,
        "mutation",
        api.rebuilds.trigger,
        { projection: projection.name, options: { ...(filter ? { filter } : {}), ...(lanes ? { lanes } : {}) } },
        CLI_ADMIN,
      );
      if (answer.status !== "started")
        throw new Error(`the rebuild was not started (${answer.status}): ${"reason" in answer ? answer.reason : ""}`);
      const board = startProgressBoard();
      const { statuses } = await watchRebuilds(runtime, CLI_ADMIN, [answer.rebuildId], { board });
      board.stop();
      const status = statuses[0]!;
      // A filtered rebuild's generation is its own named target: the one to dump either way.
      const dump =
        values.dump !== undefined && status.state === "completed"
          ? { file: values.dump, documents: await dumpReadModel(runtime, projection, status.generation, values.dump) }
          : null;
      const report = rebuildReport(status, location, dump);
      if (status.state !== "completed") {
        process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report));
        throw new Error(failureMessage(status));
      }
      const verify = values.verify ? await runVerify(runtime, projection.name) : null;
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ ...report, verify }, null, 2)}\n`
          : describeReport(report) + (verify ? describeVerify(verify) : ""),
      );
      return verify && verify.changed + verify.onlyInActive + verify.onlyInShadow > 0 ? 3 : 0;
    } finally {
      await runtime.stop();
      unmuteLogs();
    }
  },
};

export function filterFromFlags(values: {
  from?: string;
  to?: string;
  types?: string;
  where?: string;
}): Filter | undefined {
  const fromMs = parseIsoInstant(values.from, "--from");
  const toMs = parseIsoInstant(values.to, "--to");
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new UsageError(`--from (${values.from}) must be before --to (${values.to})`);
  }
  const eventTypes = parseList(values.types);
  if (eventTypes?.length === 0) throw new UsageError("--types lists no event type");
  const attributes = parseWhere(values.where);
  const filter: Filter = {
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    ...(eventTypes ? { eventTypes } : {}),
    ...(attributes ? { attributes } : {}),
  };
  return Object.keys(filter).length === 0 ? undefined : filter;
}

/** `cdn=CDN1,device=Android` → `{ cdn: ["CDN1"], device: ["Android"] }`; a repeated key adds a value. */
function parseWhere(where: string | undefined): Record<string, string[]> | undefined {
  const pairs = parseList(where);
  if (pairs === undefined) return undefined;
  if (pairs.length === 0)
    throw new UsageError("--where lists no condition; give k=v pairs, e.g. cdn=CDN1,device=Android");
  const attributes: Record<string, string[]> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    const [name, value] = [pair.slice(0, equals).trim(), pair.slice(equals + 1).trim()];
    if (equals < 0 || name === "" || value === "") {
      throw new UsageError(
        `--where takes attribute=value pairs separated by commas (e.g. cdn=CDN1,device=Android), got "${pair}"`,
      );
    }
    (attributes[name] ??= []).push(value);
  }
  return attributes;
}

/** Local paths are resolved here, so the runtime's functions read the same table whatever their directory. */
export function localArchiveLocation(table: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(table) ? table : resolve(table);
}

interface RebuildReport {
  projection: string;
  version: number;
  rebuildId: string;
  archive: string;
  filter: RebuildStatus["filter"];
  state: RebuildStatus["state"];
  generation: number;
  target: string | null;
  processed: number;
  total: number | null;
  seconds: number;
  eventsPerSecond: number;
  counters: RebuildStatus["counters"];
  pruning: RebuildStatus["pruning"];
  lastError: RebuildStatus["lastError"];
  /** The archive phase's lanes; empty for one chain. */
  lanes: RebuildStatus["lanes"];
  dump: { file: string; documents: number } | null;
}

function rebuildReport(status: RebuildStatus, archive: string, dump: RebuildReport["dump"]): RebuildReport {
  const seconds = ((status.finishedAt ?? status.updatedAt) - status.startedAt) / 1000;
  return {
    projection: status.projection,
    version: status.version,
    rebuildId: status.rebuildId,
    archive,
    filter: status.filter,
    state: status.state,
    generation: status.generation,
    target: status.target,
    processed: status.processed,
    total: status.total,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(status.processed / seconds) : 0,
    counters: status.counters,
    pruning: status.pruning,
    lastError: status.lastError,
    lanes: status.lanes,
    dump,
  };
}

function describeReport(report: RebuildReport): string {
  const { counters, pruning } = report;
  const lines = [
    `${report.projection} v${report.version}: ${report.state} in ${report.seconds.toFixed(1)} s, ` +
      `${formatCount(report.processed)} of ${formatCount(report.total ?? report.processed)} events (${formatCount(report.eventsPerSecond)} events/s)`,
    `  found ${formatCount(counters.found)}, applied ${formatCount(counters.applied)}, skipped ${formatCount(counters.skipped)}, ` +
      `filtered ${formatCount(counters.filtered)}, invalid ${formatCount(counters.invalid)}, failed ${formatCount(counters.failed)}, ` +
      `dead-lettered ${formatCount(counters.deadLettered)}, retried ${formatCount(counters.retried)}`,
    `  generation ${report.generation}${report.target ? ` (target "${report.target}")` : report.state === "completed" ? " (active)" : ""}`,
  ];
  if (report.lanes.length > 0) {
    lines.push(
      `  in ${report.lanes.length} lanes: ${report.lanes.map((lane) => formatCount(lane.processed)).join(" + ")} events` +
        (report.state === "completed" ? "" : ` (${laneSummary(report.lanes)})`),
    );
  }
  if (pruning && (pruning.dataFilesSkipped > 0 || pruning.rowGroupsSkipped > 0)) {
    lines.push(
      `  pruned ${formatCount(pruning.dataFilesSkipped)} of ${formatCount(pruning.dataFiles)} data files, ` +
        `${formatCount(pruning.rowGroupsSkipped)} of ${formatCount(pruning.rowGroups)} row groups, ${formatCount(pruning.rowsSkipped)} rows`,
    );
  }
  if (report.dump)
    lines.push(`  read model: ${formatCount(report.dump.documents)} documents written to ${report.dump.file}`);
  return `${lines.join("\n")}\n`;
}

/** A verify run against the generation just built: its result once the comparison is done. */
async function runVerify(runtime: Awaited<ReturnType<typeof startLocalRuntime>>, projection: string) {
  const answer = await runFunction(
    runtime,
    "mutation",
    api.rebuilds.trigger,
    { projection, options: { mode: "verify" } },
    CLI_ADMIN,
  );
  if (answer.status !== "started")
    throw new Error(`the verify run was not started (${answer.status}): ${"reason" in answer ? answer.reason : ""}`);
  const board = startProgressBoard();
  const { statuses } = await watchRebuilds(runtime, CLI_ADMIN, [answer.rebuildId], { board });
  board.stop();
  const status = statuses[0]!;
  if (status.state !== "completed" || !status.verify) throw new Error(failureMessage(status));
  return status.verify;
}

function describeVerify(verify: NonNullable<RebuildStatus["verify"]>): string {
  const lines = [
    `verify: ${formatCount(verify.compared)} documents compared with generation ${verify.activeGeneration}: ` +
      `${formatCount(verify.changed)} changed, ${formatCount(verify.onlyInActive)} only in active, ${formatCount(verify.onlyInShadow)} only in the shadow`,
  ];
  for (const sample of verify.samples.slice(0, 5)) {
    lines.push(`  ${sample.kind} ${sample.key}${sample.fields ? `: ${sample.fields.join(", ")}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

export function failureMessage(status: RebuildStatus): string {
  const error = status.lastError;
  if (!error) return `the rebuild of ${status.projection} ended ${status.state}`;
  const at = error.eventId
    ? ` (event ${error.eventId} at position ${error.position}${error.eventType ? `, ${error.eventType}` : ""})`
    : "";
  return `the rebuild of ${status.projection} ${status.state}: ${error.message}${at}`;
}
