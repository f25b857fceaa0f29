// A local runtime stopped and started again on the same snapshot file resumes where it was: data,
// ids, and the work the Workpool and the scheduler had not done yet.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FunctionResult } from "../../src/local/runtime/function-result.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";

const FIXTURE_APP = fileURLToPath(new URL("../fixtures/convex-app/", import.meta.url));
const directory = mkdtempSync(join(tmpdir(), "reproject-local-runtime-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
function freshSnapshotFile(): string {
  return join(directory, `snapshot-${files++}.json`);
}

/** Processes a test started: stopped after it even when it fails half-way (stopping twice is harmless). */
const started: LocalRuntimeProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((runtime) => runtime.stop()));
});

async function start(persistFile: string): Promise<LocalRuntimeProcess> {
  const runtime = await startLocalRuntimeProcess({ convexDir: FIXTURE_APP, persistFile });
  started.push(runtime);
  return runtime;
}

async function run<T>(runtime: LocalRuntimeProcess, kind: string, path: string, args: object = {}): Promise<T> {
  const response = await fetch(`${runtime.url}/api/${kind}`, { method: "POST", body: JSON.stringify({ path, args }) });
  const result = (await response.json()) as FunctionResult;
  if (result.status !== "success") throw new Error(`${path} failed: ${result.errorMessage}`);
  return result.value as T;
}

type Note = { _id: string; _creationTime: number; text: string; author?: string };

/** Waits for the note that work nobody calls any more (a Workpool job, a scheduled function) adds. */
async function noteAddedByItself(runtime: LocalRuntimeProcess, text: string, timeoutMs = 8000): Promise<Note> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const note = (await run<Note[]>(runtime, "query", "notes:list")).find((candidate) => candidate.text === text);
    if (note) return note;
    if (performance.now() > deadline) throw new Error(`no note "${text}" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function actionStarted(runtime: LocalRuntimeProcess): Promise<void> {
  for (;;) {
    const stats = (await (await fetch(`${runtime.url}/local/stats`)).json()) as { calls: { app: { actions: number } } };
    if (stats.calls.app.actions > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Each test starts and stops child processes, some wait for delayed work: more than the default 5 s.
describe("the local runtime's persistence", { timeout: 30_000 }, () => {
  it("keeps documents with their ids and creation times across a restart, and never hands an id out twice", async () => {
    const file = freshSnapshotFile();
    const first = await start(file);
    await run(first, "mutation", "notes:add", { text: "kept" });
    await run(first, "mutation", "notes:add", { text: "kept too" });
    const deleted = await run<string>(first, "mutation", "notes:add", { text: "deleted, its id spent" });
    await run(first, "mutation", "notes:remove", { id: deleted });
    const before = await run<Note[]>(first, "query", "notes:list");
    expect((await first.stop()).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).databases[""].tables.notes).toHaveLength(2);
    expect(before.map((note) => note.text)).toEqual(["kept", "kept too"]);

    const second = await start(file);
    expect(await run<Note[]>(second, "query", "notes:list")).toEqual(before);
    const next = await run<string>(second, "mutation", "notes:add", { text: "after the restart" });
    await second.stop();
    expect(before.map((note) => note._id)).not.toContain(next);
    expect(next).not.toBe(deleted);
  });

  it("resumes Workpool work that was waiting to start when the runtime stopped", async () => {
    const file = freshSnapshotFile();
    const first = await start(file);
    await run(first, "mutation", "notes:addThroughPool", { text: "postponed", delayMs: 1500 });
    await first.stop();

    const second = await start(file);
    const note = await noteAddedByItself(second, "postponed");
    await second.stop();
    expect(note.author).toBe("replayPool");
  });

  it("runs a Workpool action again after a restart when it was still running at the stop", async () => {
    const file = freshSnapshotFile();
    const first = await start(file);
    await run(first, "mutation", "notes:addSlowlyThroughPool", { text: "slow", sleepMs: 2500 });
    await actionStarted(first);
    await first.stop();
    expect(JSON.parse(readFileSync(file, "utf8")).databases.replayPool.scheduledJobs).toContainEqual(
      expect.objectContaining({ udfPath: "worker:runBatch" }),
    );

    const second = await start(file);
    await noteAddedByItself(second, "slow");
    const notes = await run<Note[]>(second, "query", "notes:list");
    await second.stop();
    expect(notes.filter((note) => note.text === "slow")).toHaveLength(1);
  });

  it("runs a job the app scheduled into the Workpool component in that component after a restart", async () => {
    const file = freshSnapshotFile();
    const first = await start(file);
    await run(first, "mutation", "notes:scheduleEnqueue", { text: "scheduled across components", delayMs: 1000 });
    await first.stop();
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.databases[""].scheduledJobs).toEqual([
      expect.objectContaining({ udfPath: "lib:enqueue", targetComponentPath: "replayPool" }),
    ]);

    const second = await start(file);
    await noteAddedByItself(second, "scheduled across components");
    await second.stop();
  });

  it("restores more documents than one Convex transaction may write", async () => {
    const file = freshSnapshotFile();
    const first = await start(file);
    await run(first, "mutation", "notes:addMany", { prefix: "a", count: 9000 });
    await run(first, "mutation", "notes:addMany", { prefix: "b", count: 9000 });
    await first.stop();

    const second = await start(file);
    const count = await run<number>(second, "query", "notes:count");
    await second.stop();
    expect(count).toBe(18_000);
  });

  it("refuses to start from a file that is not a snapshot and says how to start empty", async () => {
    const file = freshSnapshotFile();
    writeFileSync(file, JSON.stringify({ notes: [] }));
    await expect(start(file)).rejects.toThrow(/is not a local runtime snapshot.*delete it to start empty/s);
  });
});
