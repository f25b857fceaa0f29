import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalS3Server } from "../../src/local/s3-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), "reproject-s3-"));
  const server = await startLocalS3Server({ directory });
  project.provide("s3Endpoint", server.endpoint);
  return async () => {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  };
}
