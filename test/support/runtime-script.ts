// Runs a script of ES module code in a Node process of its own (with tsx, from the project root):
// the local runtime cannot run under Vite's module runner. The script reports its outcome by
// printing `RESULT <json>` on stdout.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The script's RESULT; rejects with `what` and its output if it exits otherwise or outlives `timeoutMs`. */
export function runScript<T>(what: string, script: string, timeoutMs = 60_000): Promise<T> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "));
      if (code !== 0 || !line) reject(new Error(`${what} exited with ${code}: ${stdout}`));
      else resolve(JSON.parse(line.slice("RESULT ".length)) as T);
    }),
  );
}
