// `reproject rebuilds`: drive the rebuilds of a deployment from the terminal, through the app's
// public admin API (`reproject.adminApi()`), as the operator the token identifies: list, trigger,
// watch with progress bars, pause, resume, cancel, history, dead letters. A local runtime served over HTTP works
// the same (`npx tsx src/local/runtime/serve.ts` prints a token).
import type { FunctionArgs } from "convex/server";
import { api } from "../../../convex/_generated/api.js";
import { parseCommandArgs, parseLaneCount, printUsage, requirePositional } from "../args.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { deploymentCaller } from "../deployment-caller.ts";
import { formatCount, startProgressBoard } from "../progress-bar.ts";
import { watchRebuilds, type RebuildStatus } from "../rebuild-watch.ts";
import { runFunction, type RuntimeCaller } from "../runtime-calls.ts";
import { deadLetters } from "./dead-letters.ts";
import { failureMessage, filterFromFlags } from "./rebuild.ts";

const CONNECTION = `  --url URL         the deployment (https://<name>.convex.cloud) or a local runtime (http://127.0.0.1:3210);
                    default CONVEX_URL
  --token TOKEN     an ID token of an admin (default REPROJECT_TOKEN)
  --module NAME     the module that exports reproject.adminApi() (default rebuilds)`;

const USAGE = `Usage: reproject rebuilds <list|history|status|trigger|watch|pause|resume|cancel|dead-letters> [arguments] --url URL [--token TOKEN]

  list                          projections, their versions and active generations, and running rebuilds
  history [projection]          past rebuilds, newest first
  status <rebuildId>            one rebuild's status as JSON
  trigger <projection> [--watch] [--dry-run] [--verify] [--error-policy fail|dead-letter|dead-letter-key]
          [--from ISO] [--to ISO] [--types A,B] [--where k=v,...] [--lanes N]
                                --lanes N: the archive phase in N parallel lanes (1 to 16; projections
                                with a lane key; the replay pool runs REPROJECT_REPLAY_PARALLELISM at once)
  watch [rebuildId ...]         progress bars until they end (every running rebuild when none is given)
  pause|resume|cancel <rebuildId>
  dead-letters <rebuildId> [--export FILE] [--redrive]
                                a rebuild's dead letters counted by reason; --export writes them all as
                                JSON Lines; --redrive re-drives them after a fix (dead-letter-key) and waits

${CONNECTION}`;

type Filter = NonNullable<NonNullable<FunctionArgs<typeof api.rebuilds.trigger>["options"]>["filter"]>;

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  module: { type: "string" },
  watch: { type: "boolean" },
  "dry-run": { type: "boolean" },
  verify: { type: "boolean" },
  "error-policy": { type: "string" },
  export: { type: "string" },
  redrive: { type: "boolean" },
  from: { type: "string" },
  to: { type: "string" },
  types: { type: "string" },
  where: { type: "string" },
  lanes: { type: "string" },
} as const;

export const rebuildsCommand: CliCommand = {
  name: "rebuilds",
  summary: "drive a deployment's rebuilds: list, trigger, watch, pause, resume, cancel, history, dead letters",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, USAGE);
    const [subcommand, ...rest] = positionals;
    if (values.help || subcommand === undefined) return printUsage(USAGE);
    const url = values.url ?? process.env.CONVEX_URL;
    if (!url) throw new UsageError(`--url is required (or CONVEX_URL).\n\n${USAGE}`);
    const caller = deploymentCaller(url, values.token ?? process.env.REPROJECT_TOKEN, values.module);
    switch (subcommand) {
      case "list":
        return list(caller);
      case "history":
        return printJson(
          await runFunction(caller, "query", api.rebuilds.history, rest[0] ? { projection: rest[0] } : {}),
        );
      case "status":
        return printJson(await status(caller, requirePositional(rest, 0, "rebuildId", USAGE)));
      case "trigger":
        return trigger(caller, requirePositional(rest, 0, "projection", USAGE), values);
      case "dead-letters":
        return deadLetters(caller, requirePositional(rest, 0, "rebuildId", USAGE), {
          ...(values.export ? { exportTo: values.export } : {}),
          ...(values.redrive ? { redrive: true } : {}),
        });
      case "watch":
        return watch(caller, rest.length > 0 ? rest : await activeIds(caller));
      case "pause":
      case "resume":
      case "cancel": {
        const rebuildId = requirePositional(rest, 0, "rebuildId", USAGE);
        const answer = await runFunction(caller, "mutation", api.rebuilds[subcommand], { rebuildId });
        if ("reason" in answer) throw new Error(`${subcommand} was refused: ${answer.reason}`);
        process.stdout.write(`${subcommand} ${rebuildId}: ${answer.status}\n`);
        return answer.status === "not_active" || answer.status === "not_running" || answer.status === "not_resumable"
          ? 1
          : 0;
      }
      default:
        throw new UsageError(`unknown subcommand "rebuilds ${subcommand}".\n\n${USAGE}`);
    }
  },
};

async function list(caller: RuntimeCaller): Promise<number> {
  const [projections, active] = await Promise.all([
    runFunction(caller, "query", api.rebuilds.projections, {}),
    runFunction(caller, "query", api.rebuilds.listActive, {}),
  ]);
  for (const projection of projections) {
    const generation =
      projection.activeGeneration === null ? "no active generation" : `generation ${projection.activeGeneration}`;
    const built = projection.builtVersion === null ? "" : `, built by v${projection.builtVersion}`;
    process.stdout.write(`${projection.name.padEnd(24)} v${projection.codeVersion ?? "?"}  ${generation}${built}\n`);
  }
  for (const rebuild of active) {
    process.stdout.write(
      `  ${rebuild.state} ${rebuild.projection} v${rebuild.version} ${rebuild.rebuildId}: ` +
        `${formatCount(rebuild.processed)} / ${rebuild.total === null ? "?" : formatCount(rebuild.total)} events\n`,
    );
  }
  return 0;
}

async function status(caller: RuntimeCaller, rebuildId: string): Promise<RebuildStatus> {
  const found = await runFunction(caller, "query", api.rebuilds.status, { rebuildId });
  if (!found) throw new Error(`the deployment knows no rebuild with id ${rebuildId}`);
  return found;
}

async function trigger(
  caller: RuntimeCaller,
  projection: string,
  values: {
    watch?: boolean;
    "dry-run"?: boolean;
    verify?: boolean;
    "error-policy"?: string;
    from?: string;
    to?: string;
    types?: string;
    where?: string;
    lanes?: string;
  },
): Promise<number> {
  const filter: Filter | undefined = filterFromFlags(values);
  const lanes = parseLaneCount(values.lanes);
  const options = {
    ...(filter ? { filter } : {}),
    ...(values["dry-run"] ? { dryRun: true } : {}),
    ...(values.verify ? { mode: "verify" as const } : {}),
    ...(values["error-policy"] ? { errorPolicy: errorPolicyOf(values["error-policy"]) } : {}),
    ...(lanes ? { lanes } : {}),
  };
  const answer = await runFunction(caller, "mutation", api.rebuilds.trigger, { projection, options });
  if ("reason" in answer) throw new Error(`the trigger was refused: ${answer.reason}`);
  process.stdout.write(`${projection}: ${answer.status} ${answer.rebuildId}\n`);
  return values.watch ? watch(caller, [answer.rebuildId]) : 0;
}

async function watch(caller: RuntimeCaller, rebuildIds: string[]): Promise<number> {
  if (rebuildIds.length === 0) {
    process.stdout.write("no rebuild is running\n");
    return 0;
  }
  const board = startProgressBoard();
  const { statuses } = await watchRebuilds(caller, undefined, rebuildIds, { board });
  board.stop();
  for (const ended of statuses) {
    process.stdout.write(
      ended.state === "completed"
        ? `${ended.projection} v${ended.version}: completed, ${formatCount(ended.processed)} events\n`
        : `${failureMessage(ended)}\n`,
    );
  }
  return statuses.every((ended) => ended.state === "completed") ? 0 : 1;
}

async function activeIds(caller: RuntimeCaller): Promise<string[]> {
  return (await runFunction(caller, "query", api.rebuilds.listActive, {})).map((rebuild) => rebuild.rebuildId);
}

const ERROR_POLICIES = ["fail", "dead-letter", "dead-letter-key"] as const;

function errorPolicyOf(flag: string): (typeof ERROR_POLICIES)[number] {
  const policy = ERROR_POLICIES.find((candidate) => candidate === flag);
  if (!policy)
    throw new UsageError(`--error-policy must be one of ${ERROR_POLICIES.join(", ")}, got "${flag}".\n\n${USAGE}`);
  return policy;
}

function printJson(value: unknown): number {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}
