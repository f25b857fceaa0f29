// Checks that an app's Convex functions deploy: bundles them with the app's pinned Convex CLI
// (offline), evaluates every Convex-runtime module in a context without Node, imports every
// "use node" module in Node, and compares their exports with the sources.
//
//   npx tsx scripts/check-convex-bundle.ts [APP_ROOT] [--env NAME=VALUE]... [--json] [--keep]
//
// APP_ROOT is where the app's package.json and convex.json are (default: the current directory);
// the functions directory is the one its convex.json names, as for `convex deploy`. Exit code 0
// when everything loads, 1 with the problems listed, 2 for a usage error.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { checkConvexBundle, formatReport } from "./bundle-check/check.ts";
import { sourceTextModuleAvailable } from "./bundle-check/evaluate-isolate.ts";

const USAGE = "usage: check-convex-bundle [APP_ROOT] [--env NAME=VALUE]... [--json] [--keep]";

// vm.SourceTextModule exists only behind this flag; start again with it (same loader, same args).
if (!sourceTextModuleAvailable()) {
  const flags = ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning"];
  const result = spawnSync(process.execPath, [...process.execArgv, ...flags, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}

const args = process.argv.slice(2);
const env: Record<string, string> = {};
let appRoot = ".";
let json = false;
let keepBundle = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === "--json") json = true;
  else if (arg === "--keep") keepBundle = true;
  else if (arg === "--env") {
    const pair = args[++i] ?? "";
    const equals = pair.indexOf("=");
    if (equals <= 0) usageError(`--env wants NAME=VALUE, got "${pair}"`);
    env[pair.slice(0, equals)] = pair.slice(equals + 1);
  } else if (arg === "--help" || arg === "-h") {
    console.log(USAGE);
    process.exit(0);
  } else if (arg.startsWith("-")) usageError(`unknown option ${arg}`);
  else appRoot = arg;
}
if (!existsSync(resolve(appRoot, "package.json"))) {
  usageError(`${resolve(appRoot)} has no package.json: pass the app's root (where package.json and convex.json are)`);
}

const report = await checkConvexBundle(appRoot, { env, keepBundle, log: (line) => console.error(line) });
console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
process.exit(report.ok ? 0 : 1);

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
