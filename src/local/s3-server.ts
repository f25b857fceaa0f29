// Starts a real S3 protocol server on loopback in a child process. s3rver's ListObjects
// continuation tokens use DES, which Node 17+ only offers with --openssl-legacy-provider, so it
// cannot run inside the caller's process.
import { S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export const S3_LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const S3_LOCAL_REGION = "us-east-1";

/** A client of the loopback server, for what the archive's store does not do (creating buckets). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS, forcePathStyle: true });
}

export interface LocalS3Server {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

export async function startLocalS3Server(options: { directory: string; port?: number }): Promise<LocalS3Server> {
  const entry = fileURLToPath(new URL("./s3-server-process.ts", import.meta.url));
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", "--import", tsx, entry, options.directory, String(options.port ?? 0)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await waitForReadyLine(child);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

function waitForReadyLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`S3 server did not start within ${STARTUP_TIMEOUT_MS} ms. stderr: ${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /S3_READY (\d+)/.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`S3 server exited with code ${code} before it was ready. stderr: ${stderr}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
