// `reproject` command-line entry: dispatches to one module per command group.
// The AWS SDK warns on every run under Node 20 about its 2027 plans; that is noise for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { archiveCommand } from "./commands/archive.ts";
import { demoCommand } from "./commands/demo.ts";
import { planCommand } from "./commands/plan.ts";
import { rebuildCommand } from "./commands/rebuild.ts";
import { rebuildsCommand } from "./commands/rebuilds.ts";
import { UsageError, type CliCommand } from "./command.ts";

const COMMANDS: CliCommand[] = [archiveCommand, planCommand, rebuildCommand, rebuildsCommand, demoCommand];

export function usage(): string {
  const lines = ["Usage: reproject <command> [options]", "", "Commands:"];
  for (const command of COMMANDS) lines.push(`  ${command.name.padEnd(18)} ${command.summary}`);
  lines.push("", "Run `reproject <command> --help` for the options of a command.");
  return lines.join("\n");
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}".\n\n${usage()}`);
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`reproject ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
