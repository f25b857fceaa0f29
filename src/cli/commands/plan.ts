// `reproject plan`: the pre-flight plan of a rebuild, before anything runs: what it reads of the
// archive and what its filter skips, its exact event count, its estimated duration and Convex
// usage, and warnings. On the local runtime (default, with --archive) or on a deployment (--url).
import { api } from "../../../convex/_generated/api.js";
import { registry } from "../../../convex/projections.ts";
import { startLocalRuntime } from "../../local/runtime/runtime.ts";
import type { PreflightPlan } from "../../node/preflight.ts";
import { localAdminIdentity } from "../admin-identity.ts";
import {
  parseCommandArgs,
  parseLaneCount,
  parsePositiveInteger,
  printUsage,
  requirePositional,
  RUNTIME_COMMAND_FLAGS,
} from "../args.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { deploymentCaller } from "../deployment-caller.ts";
import { muteFunctionLogs } from "../function-logs.ts";
import { describePreflight } from "../preflight-table.ts";
import { runFunction } from "../runtime-calls.ts";
import { filterFromFlags, localArchiveLocation } from "./rebuild.ts";

const USAGE = `Usage: reproject plan <projection> [--from ISO] [--to ISO] [--types A,B] [--where k=v,...] [--rate N]
                      [--lanes N] [--dry-run] [--json] (--archive <table> | --url URL [--token TOKEN])

Plans a rebuild exactly as it would run and prints, before anything runs: the data files, row groups,
rows and bytes it reads and what the filter skips, the exact number of events, the estimated duration
and Convex usage (from earlier rebuilds of the projection, or saying there is none), and warnings.
Nothing is stored.

  <projection>        ${registry.projections.map((projection) => projection.name).join(", ")}
  --from, --to, --types, --where   the filter, as \`reproject rebuild\` takes it
  --rate N            the rate limit the rebuild would run with, in events per second
  --lanes N           plan a rebuild in N lanes (1 to 16): its duration comes from earlier rebuilds in as many lanes
  --dry-run           plan a dry run (it writes nothing)
  --json              print the plan as JSON
  --archive TABLE     plan on the local runtime, against this archive (a directory, metadata file or s3://...)
  --url URL           plan on a deployment (or a local runtime served over HTTP); default CONVEX_URL
  --token TOKEN       an ID token of an admin (default REPROJECT_TOKEN)
  --module NAME       the module that exports reproject.adminApi() (default rebuilds)
  --node-module NAME  the "use node" module that exports reprojectNode(reproject) (default reprojectNode)`;

const CLI_ADMIN = localAdminIdentity("reproject-cli", "reproject CLI");

export const planCommand: CliCommand = {
  name: "plan",
  summary: "the pre-flight plan of a rebuild: what it reads, its events, estimated duration and usage, warnings",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        archive: { type: "string" },
        url: { type: "string" },
        token: { type: "string" },
        module: { type: "string" },
        "node-module": { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        types: { type: "string" },
        where: { type: "string" },
        rate: { type: "string" },
        lanes: { type: "string" },
        "dry-run": { type: "boolean" },
        ...RUNTIME_COMMAND_FLAGS,
      },
      USAGE,
    );
    if (values.help) return printUsage(USAGE);
    const projection = requirePositional(positionals, 0, "projection", USAGE);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}".\n\n${USAGE}`);
    const filter = filterFromFlags(values);
    const rateLimit = parsePositiveInteger(values.rate, "--rate");
    const lanes = parseLaneCount(values.lanes);
    const args = {
      projection,
      options: {
        ...(filter ? { filter } : {}),
        ...(rateLimit !== undefined ? { rateLimit } : {}),
        ...(lanes !== undefined ? { lanes } : {}),
        ...(values["dry-run"] ? { dryRun: true } : {}),
      },
    };
    const url = values.url ?? (values.archive === undefined ? process.env.CONVEX_URL : undefined);
    let plan: PreflightPlan;
    if (url) {
      if (values.archive !== undefined)
        throw new UsageError("--archive plans on the local runtime, --url on a deployment: give one of them");
      const caller = deploymentCaller(
        url,
        values.token ?? process.env.REPROJECT_TOKEN,
        values.module,
        values["node-module"],
      );
      plan = await runFunction(caller, "action", api.reprojectNode.preflight, args);
    } else {
      if (values.archive === undefined)
        throw new UsageError(`give --archive (the local runtime) or --url (a deployment).\n\n${USAGE}`);
      plan = await planLocally(localArchiveLocation(values.archive), args, values.verbose ?? false);
    }
    process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : describePreflight(plan));
    return 0;
  },
};

async function planLocally(
  location: string,
  args: { projection: string; options: object },
  verbose: boolean,
): Promise<PreflightPlan> {
  process.env.REPROJECT_ARCHIVE = location;
  const unmuteLogs = verbose ? () => undefined : muteFunctionLogs();
  const runtime = await startLocalRuntime();
  try {
    return await runFunction(runtime, "action", api.reprojectNode.preflight, args, CLI_ADMIN);
  } finally {
    await runtime.stop();
    unmuteLogs();
  }
}
