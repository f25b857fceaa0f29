// What the admin panel's browser tests run against: a loopback S3 server holding a demo archive and a
// tampered one, local runtimes (child processes) reading them, and the panel (or the example app's
// admin page) served by Vite.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type ViteDevServer } from "vite";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { appendToArchive, createEventArchive } from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { generateDemoArchive } from "../../src/local/demo/generate-demo-archive.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import {
  S3_LOCAL_CREDENTIALS,
  S3_LOCAL_REGION,
  startLocalS3Server,
  type LocalS3Server,
} from "../../src/local/s3-server.ts";

/** Big enough that a full rebuild of rebufferByCdn takes a few seconds on the local runtime. */
export const DEMO = { events: 40_000, seed: 3 } as const;
/** Small, with two malformed Rebuffer events (far apart, so they land in different batches). */
export const TAMPERED = { events: 6_000, seed: 5, badFrom: [1_500, 4_200] } as const;
/** One batch per chunk: chunks chain on the Workpool (~200 ms each), so progress moves visibly. */
export const CHUNK_MAX_BATCHES = "1";
const BUCKET = "reproject-e2e";

export interface BadEvent {
  position: number;
  eventId: string;
  payload: string;
}

export interface PanelArchives {
  s3Endpoint: string;
  /** s3:// URLs of the demo archive and of the tampered one. */
  demo: string;
  tampered: string;
  /** The tampered archive's malformed events, in position order. */
  bad: BadEvent[];
}

export async function startArchives(): Promise<{ archives: PanelArchives; stop: () => Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), "reproject-panel-s3-"));
  let s3: LocalS3Server | undefined;
  try {
    s3 = await startLocalS3Server({ directory });
    const options = { endpoint: s3.endpoint, region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS };
    const client = new S3Client({ ...options, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    await generateDemoArchive(new S3ObjectStore({ bucket: BUCKET, prefix: "demo" }, options), DEMO);
    const bad = await writeTamperedArchive(new S3ObjectStore({ bucket: BUCKET, prefix: "tampered" }, options));
    const server = s3;
    return {
      archives: { s3Endpoint: s3.endpoint, demo: `s3://${BUCKET}/demo`, tampered: `s3://${BUCKET}/tampered`, bad },
      stop: async () => {
        await server.stop();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await s3?.stop();
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** The demo events with two Rebuffer payloads broken: unreadable JSON, then a wrong field type. */
async function writeTamperedArchive(store: S3ObjectStore): Promise<BadEvent[]> {
  const events = [...demoEvents({ events: TAMPERED.events, seed: TAMPERED.seed })];
  const nthRebufferFrom = (from: number): EventRecord =>
    events.slice(from - 1).find((event) => event.eventType === "Rebuffer")!;
  const badJson = nthRebufferFrom(TAMPERED.badFrom[0]);
  badJson.payload = '{"durationMs": 12';
  const wrongField = nthRebufferFrom(TAMPERED.badFrom[1]);
  wrongField.eventVersion = 1;
  wrongField.payload = '{"durationSec": "slow"}';
  await appendToArchive(store, await createEventArchive(store, envelope), envelope, events);
  return [badJson, wrongField].map((event) => ({
    position: event.globalPosition,
    eventId: event.eventId,
    payload: event.payload,
  }));
}

/** The environment a local runtime needs to read `archive` from the loopback S3 server. */
export function runtimeEnvironment(archive: string, s3Endpoint: string): Record<string, string> {
  return {
    REPROJECT_ARCHIVE: archive,
    S3_ENDPOINT: s3Endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_LOCAL_REGION,
    REPROJECT_CHUNK_MAX_BATCHES: CHUNK_MAX_BATCHES,
  };
}

/** A local runtime in a child process over `archive`; `env` adds to (or overrides) its environment. */
export function startPanelRuntime(
  archive: string,
  s3Endpoint: string,
  { port = 0, env = {} }: { port?: number; env?: Record<string, string> } = {},
): Promise<LocalRuntimeProcess> {
  return startLocalRuntimeProcess({ port, env: { ...runtimeEnvironment(archive, s3Endpoint), ...env } });
}

const PANEL_VITE_CONFIG = new URL("../../admin-ui/vite.config.ts", import.meta.url).pathname;

export interface ServedPage {
  url: string;
  server: ViteDevServer;
}

/**
 * The admin panel served by Vite, configured by `variables` (VITE_LOCAL_RUNTIME_URL or
 * VITE_CONVEX_URL): Vite reads VITE_* variables from the environment when it resolves its config.
 */
export async function startAdminUi(variables: Record<string, string>): Promise<ServedPage> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  let server: ViteDevServer;
  try {
    server = await createPageServer();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return listen(server, "/src/main.tsx");
}

/** An app's own admin page (the installed example's `src/`), served by Vite with the app's own config. */
export async function startAppPage(appRoot: string): Promise<ServedPage> {
  return listen(await createPageServer(join(appRoot, "vite.config.ts"), appRoot), "/src/main.tsx");
}

/** A Vite server with the panel's config, or another app's config and root. */
function createPageServer(configFile = PANEL_VITE_CONFIG, root?: string): Promise<ViteDevServer> {
  return createServer({
    configFile,
    ...(root ? { root } : {}),
    server: { port: 0, strictPort: false, host: "127.0.0.1" },
    logLevel: "warn",
  });
}

async function listen(server: ViteDevServer, entry: string): Promise<ServedPage> {
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") throw new Error(`Vite did not bind a TCP port for ${entry}`);
  const url = `http://127.0.0.1:${address.port}/`;
  // Transform the app once now, so that the first test does not wait for it.
  await server.warmupRequest(entry);
  await fetch(url);
  return { url, server };
}
