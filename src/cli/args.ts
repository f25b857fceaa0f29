// Argument parsing shared by the commands: node's parseArgs, with errors that say what to type.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { MAX_LANES } from "../registry/lane-key.ts";
import { UsageError } from "./command.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flags of the commands that host the local runtime: machine-readable output, and the functions' logs. */
export const RUNTIME_COMMAND_FLAGS = {
  json: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

/** `--help`: the usage on stdout, exit code 0. */
export function printUsage(usage: string): number {
  process.stdout.write(`${usage}\n`);
  return 0;
}

export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

export function requirePositional(positionals: string[], index: number, name: string, usage: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing <${name}>.\n\n${usage}`);
  return value;
}

export function parsePositiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return Number(value);
}

/** `--lanes N`: the lanes a rebuild's archive phase runs in. */
export function parseLaneCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LANES)
    throw new UsageError(`--lanes must be a whole number from 1 to ${MAX_LANES}, got "${value}"`);
  return Number(value);
}

export function parseIsoInstant(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`${flag} must be an ISO-8601 date or instant (e.g. 2026-01-31 or 2026-01-31T12:00:00Z), got "${value}"`);
  }
  return ms;
}

export function parseList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((item) => item.trim()).filter(Boolean);
}
