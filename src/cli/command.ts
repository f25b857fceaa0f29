export interface CliCommand {
  name: string;
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Wrong arguments: the message says what was wrong and what to type instead (exit code 2). */
export class UsageError extends Error {
  override name = "UsageError";
}
