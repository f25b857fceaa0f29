// The local runtime killed (SIGKILL) in the middle of a rebuild and restarted from its persisted
// state: the rebuild resumes from the checkpoint it had saved and ends equal to a clean run, each
// event applied exactly once.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { readSnapshotFile } from "../../src/local/runtime/persistence.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";
import { localDemoArchive } from "../support/demo-archive";
import { foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";

const ADMIN_TOKEN = encodeIdentityToken({ subject: "ops-1", role: "admin" });
let archive = "";
let events: ArchiveEvent[] = [];
let running: LocalRuntimeProcess | undefined;

beforeAll(async () => {
  archive = await localDemoArchive(24_000, 91);
  events = await readArchiveEvents(archive);
});
afterEach(async () => {
  await running?.stop({ signal: "SIGKILL" });
  running = undefined;
});

async function call(runtime: LocalRuntimeProcess, kind: "query" | "mutation", path: string, args: object) {
  const response = await fetch(`${runtime.url}/api/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ path, args, format: "json" }),
  });
  const body = (await response.json()) as { status: string; value?: unknown; errorMessage?: string };
  if (body.status !== "success") throw new Error(`${path}: ${body.errorMessage}`);
  return body.value as Record<string, unknown>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the local runtime restarted from its persisted state", () => {
  it("resumes a rebuild killed mid-way and applies every event exactly once", async () => {
    const persistFile = join(mkdtempSync(join(tmpdir(), "reproject-restart-")), "state.json");
    Object.assign(process.env, { REPROJECT_ARCHIVE: archive, REPROJECT_CHUNK_MAX_BATCHES: "2" });
    try {
      running = await startLocalRuntimeProcess({ persistFile });
      // The rate limit keeps the rebuild running well past the runtime's first save (5 s in).
      const { rebuildId } = (await call(running, "mutation", "rebuilds:trigger", { projection: "sessionSummary", options: { rateLimit: 2_000 } })) as { rebuildId: string };
      const status = () => call(running!, "query", "rebuilds:status", { rebuildId });
      // Let it go far enough that a save happened mid-rebuild, then kill it without warning.
      await waitFor(async () => ((await readSnapshotFile(persistFile)) !== undefined && Number((await status()).processed) > 6_000), 60_000);
      const beforeKill = await status();
      expect(beforeKill.state).toBe("running");
      await running.stop({ signal: "SIGKILL" });

      const saved = (await readSnapshotFile(persistFile))!;
      const savedRebuild = saved.databases.reproject!.tables.rebuilds!.find((doc) => doc._id === rebuildId)!;
      expect(Number(savedRebuild.processed)).toBeLessThan(events.length);

      running = await startLocalRuntimeProcess({ persistFile });
      await waitFor(async () => (await status()).state === "completed", 120_000);
      const done = await status();
      expect(done.processed).toBe(events.length);
      expect((done.counters as { found: number }).found).toBe(events.length);

      await running.stop();
      running = undefined;
      const final = (await readSnapshotFile(persistFile))!;
      const docs = final.databases[""]!.tables.sessionSummary!.filter((doc) => doc.generation === done.generation);
      const model = docs
        .map((doc) => doc.document as Record<string, unknown>)
        .sort((a, b) => String(a.streamId).localeCompare(String(b.streamId)));
      expect(model).toEqual(foldSessionSummary(events));
    } finally {
      delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
    }
  });
});
