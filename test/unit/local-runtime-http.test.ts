// The local runtime as a child process (convex-test trips on lazy module loads under Vite's module
// runner), driven over its HTTP API like the admin panel and the CLI drive it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { anyApi } from "convex/server";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CallCounts } from "../../src/local/runtime/call-counters.ts";
import type { FunctionResult } from "../../src/local/runtime/function-result.ts";
import { encodeIdentityToken } from "../../src/local/runtime/identity.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE_APP = fileURLToPath(new URL("../fixtures/convex-app/", import.meta.url));

async function post(url: string, kind: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/api/${kind}`, { method: "POST", body, headers });
  return { status: response.status, body: (await response.json()) as FunctionResult };
}

function call(url: string, kind: string, path: string, args: unknown = {}, token?: string) {
  return post(
    url,
    kind,
    JSON.stringify({ path, args, format: "json" }),
    token ? { Authorization: `Bearer ${token}` } : {},
  );
}

async function callCounts(url: string): Promise<CallCounts> {
  return ((await (await fetch(`${url}/local/stats`)).json()) as { calls: CallCounts }).calls;
}

/** A subscription read with fetch, as a browser's EventSource would: every pushed result, when it came. */
async function subscribe(url: string, path: string, args: unknown = {}) {
  const abort = new AbortController();
  const query = new URLSearchParams({ path, args: JSON.stringify(args) });
  const response = await fetch(`${url}/api/subscribe?${query}`, { signal: abort.signal });
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const pushes: Array<{ result: FunctionResult; at: number }> = [];
  const waiters: Array<() => void> = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const data = buffered.slice(0, end).match(/^data: (.*)$/m)?.[1];
          buffered = buffered.slice(end + 2);
          if (data !== undefined) pushes.push({ result: JSON.parse(data) as FunctionResult, at: performance.now() });
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    pushes,
    /** The first pushed value (counting earlier ones) that satisfies `accept`, and when it came. */
    async next(accept: (value: unknown) => boolean, timeoutMs = 5000): Promise<{ value: unknown; at: number }> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        for (const { result, at } of pushes) {
          if (result.status === "success" && accept(result.value)) return { value: result.value, at };
        }
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new Error(`no matching push within ${timeoutMs} ms; got ${JSON.stringify(pushes)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, remaining);
        });
      }
    },
    close: () => abort.abort(),
  };
}

type Note = { _id: string; _creationTime: number; text: string; author?: string };
const hasNote = (text: string) => (value: unknown) => (value as Note[]).some((note) => note.text === text);

describe("the local runtime hosting the project's functions", () => {
  let runtime: LocalRuntimeProcess;
  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess();
  });
  afterAll(() => runtime.stop());

  it("refuses to run an internal function called over HTTP", async () => {
    const { status, body } = await call(runtime.url, "mutation", "reproject:startSelfCheck");
    expect(status).toBe(403);
    expect(body).toEqual({
      status: "error",
      errorMessage: expect.stringContaining("'reproject:startSelfCheck' is an internal mutation"),
    });
    expect((await callCounts(runtime.url)).total.mutations).toBe(0);
  });

  it("answers 404 for a function that does not exist", async () => {
    const { status, body } = await call(runtime.url, "query", "reproject:missing");
    expect(status).toBe(404);
    expect(body.status === "error" && body.errorMessage).toMatch(/Could not find a function for 'reproject:missing'/);
  });

  it("answers 400 when the request body is not JSON", async () => {
    const { status, body } = await post(runtime.url, "query", '{"path": "reproject:latestSelfCheck",');
    expect(status).toBe(400);
    expect(body.status === "error" && body.errorMessage).toMatch(/not JSON/);
  });

  it("answers 400 when a mutation is called as a query", async () => {
    const { status, body } = await call(runtime.url, "query", "reproject:startSelfCheck");
    expect(status).toBe(400);
    expect(body.status === "error" && body.errorMessage).toMatch(/is a mutation, not a query/);
  });

  it("refuses requests from pages another host served", async () => {
    const body = JSON.stringify({ path: "reproject:latestSelfCheck", args: {} });
    expect((await post(runtime.url, "query", body, { Origin: "https://attacker.example" })).status).toBe(403);
    const fromPanel = await fetch(`${runtime.url}/api/query`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:5173" },
    });
    expect(fromPanel.status).toBe(204);
    expect(fromPanel.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });
});

describe("the local runtime hosting an app with public functions", () => {
  let runtime: LocalRuntimeProcess;
  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ convexDir: FIXTURE_APP });
  });
  afterAll(() => runtime.stop());

  it("runs a public mutation and query over HTTP and answers in Convex's shape", async () => {
    const added = await call(runtime.url, "mutation", "notes:add", { text: "first over HTTP" });
    expect(added).toEqual({ status: 200, body: { status: "success", value: expect.stringMatching(/notes$/) } });
    const listed = await call(runtime.url, "query", "notes:list");
    expect(listed.status).toBe(200);
    expect(listed.body.status === "success" && listed.body.value).toContainEqual(
      expect.objectContaining({ _id: added.body.status === "success" && added.body.value, text: "first over HTTP" }),
    );
  });

  it("keeps int64 and bytes in Convex's JSON encoding both ways", async () => {
    const value = {
      big: { $integer: Buffer.from(new BigInt64Array([2n ** 62n]).buffer).toString("base64") },
      raw: { $bytes: "AAEC" },
    };
    expect(await call(runtime.url, "action", "notes:echo", { value })).toEqual({
      status: 200,
      body: { status: "success", value },
    });
  });

  it("serves ConvexHttpClient, arguments wrapped in an array included", async () => {
    const client = new ConvexHttpClient(runtime.url);
    const id = await client.mutation(anyApi.notes!.add!, { text: "from ConvexHttpClient" });
    expect(await client.query(anyApi.notes!.list!, {})).toContainEqual(expect.objectContaining({ _id: id }));
  });

  it("answers a ConvexError with status 560 and its data", async () => {
    expect(await call(runtime.url, "mutation", "notes:reject")).toEqual({
      status: 560,
      body: {
        status: "error",
        errorMessage: expect.stringContaining("REJECTED"),
        errorData: { code: "REJECTED", reason: "this mutation always refuses" },
      },
    });
  });

  it("enforces Convex's transaction limits on functions like a deployment", async () => {
    const { status, body } = await call(runtime.url, "mutation", "notes:addMany", {
      prefix: "too many ",
      count: 16_001,
    });
    expect(status).toBe(560);
    expect(body.status === "error" && body.errorMessage).toMatch(
      /Wrote too many documents in a single function execution/,
    );
    const count = await call(runtime.url, "query", "notes:count");
    expect(count.body.status === "success" && count.body.value).toBeLessThan(16_001);
  });

  it("passes no identity, and a token's identity with its custom claims, through to ctx.auth", async () => {
    expect((await call(runtime.url, "query", "notes:whoami")).body).toEqual({ status: "success", value: null });
    const token = encodeIdentityToken({ subject: "ada", name: "Ada", role: "admin" });
    expect((await call(runtime.url, "query", "notes:whoami", {}, token)).body).toEqual({
      status: "success",
      value: expect.objectContaining({
        subject: "ada",
        name: "Ada",
        role: "admin",
        tokenIdentifier: expect.stringContaining("ada"),
      }),
    });
    const added = await call(runtime.url, "mutation", "notes:add", { text: "signed" }, token);
    const notes = await call(runtime.url, "query", "notes:list");
    const id = added.body.status === "success" && added.body.value;
    expect(notes.body.status === "success" && notes.body.value).toContainEqual(
      expect.objectContaining({ _id: id, author: "ada" }),
    );
  });

  it("refuses a malformed identity token with 401", async () => {
    const { status, body } = await call(runtime.url, "query", "notes:whoami", {}, "not-a-jwt");
    expect(status).toBe(401);
    expect(body.status === "error" && body.errorMessage).toMatch(/not a JWT/);
  });

  it("pushes a subscribed query's new result soon after a mutation", async () => {
    const subscription = await subscribe(runtime.url, "notes:list");
    await subscription.next(() => true);
    const mutatedAt = performance.now();
    await call(runtime.url, "mutation", "notes:add", { text: "pushed" });
    const push = await subscription.next(hasNote("pushed"));
    subscription.close();
    expect(push.at - mutatedAt).toBeLessThan(500);
  });

  it("runs a Workpool job by itself and pushes its effect to a subscriber", async () => {
    const subscription = await subscribe(runtime.url, "notes:list");
    await call(runtime.url, "mutation", "notes:addThroughPool", { text: "from the pool", delayMs: 0 });
    const push = await subscription.next(hasNote("from the pool"));
    subscription.close();
    expect(push.value).toContainEqual(expect.objectContaining({ text: "from the pool", author: "replayPool" }));
  });

  it("pushes about ten results per second at most during a burst of mutations, ending on the latest", async () => {
    const subscription = await subscribe(runtime.url, "notes:count");
    const before = (await subscription.next(() => true)).value as number;
    const startedAt = performance.now();
    for (let i = 0; i < 60; i++) await call(runtime.url, "mutation", "notes:add", { text: `burst ${i}` });
    const elapsedMs = performance.now() - startedAt;
    await subscription.next((count) => count === before + 60);
    subscription.close();
    const burstPushes = subscription.pushes.filter(({ at }) => at >= startedAt).length;
    expect(burstPushes).toBeGreaterThanOrEqual(1);
    expect(burstPushes).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 2);
  });

  it("counts function calls by kind, for the app and each component, scheduled ones included", async () => {
    const before = await callCounts(runtime.url);
    for (let i = 0; i < 3; i++) await call(runtime.url, "mutation", "notes:add", { text: `counted ${i}` });
    await call(runtime.url, "query", "notes:count");
    await call(runtime.url, "action", "notes:echo", { value: 1 });
    const subscription = await subscribe(runtime.url, "notes:list");
    await call(runtime.url, "mutation", "notes:addThroughPool", { text: "counted by the pool", delayMs: 0 });
    await subscription.next(hasNote("counted by the pool"));
    subscription.close();
    const after = await callCounts(runtime.url);

    // 3 adds + the enqueue + the pool's call of notes:addFromPool; the echo; the count.
    expect(after.app.mutations - before.app.mutations).toBe(5);
    expect(after.app.actions - before.app.actions).toBe(1);
    expect(after.app.queries - before.app.queries).toBe(1);
    expect(after.subscriptionRefreshes - before.subscriptionRefreshes).toBeGreaterThanOrEqual(2);
    const pool = after.components.replayPool!;
    const batchWorker = after.components["replayPool/batchWorker"]!;
    expect(pool.mutations - (before.components.replayPool?.mutations ?? 0)).toBeGreaterThanOrEqual(2);
    expect(
      batchWorker.scheduled - (before.components["replayPool/batchWorker"]?.scheduled ?? 0),
    ).toBeGreaterThanOrEqual(1);
    expect(after.total.mutations).toBe(after.app.mutations + pool.mutations + batchWorker.mutations);
  });
});

describe("stopping the local runtime", { timeout: 30_000 }, () => {
  let runtime: LocalRuntimeProcess | undefined;
  afterEach(async () => {
    await runtime?.stop();
  });

  it("exits by itself soon after SIGTERM although the Workpool's 2-minute monitor timer is pending", async () => {
    runtime = await startLocalRuntimeProcess({ convexDir: FIXTURE_APP });
    const subscription = await subscribe(runtime.url, "notes:list");
    await call(runtime.url, "mutation", "notes:addThroughPool", { text: "before stop", delayMs: 0 });
    await subscription.next(hasNote("before stop"));
    subscription.close();
    const exit = await runtime.stop({ killAfterMs: 5000 });
    expect(exit).toMatchObject({ code: 0, killed: false });
    expect(exit.stoppedInMs).toBeLessThan(2000);
  });

  it("lets an in-process caller's process end by itself after stop()", async () => {
    const runtimeModule = new URL("../../src/local/runtime/runtime.ts", import.meta.url).href;
    const script = `
      import { startLocalRuntime } from ${JSON.stringify(runtimeModule)};
      const runtime = await startLocalRuntime({ convexDir: ${JSON.stringify(FIXTURE_APP)} });
      await runtime.call("mutation", "notes:addThroughPool", { text: "one-shot", delayMs: 0 });
      while (!(await runtime.call("query", "notes:list", {})).some((note) => note.text === "one-shot")) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await runtime.stop();
      process.stdout.write("STOPPED " + JSON.stringify(runtime.stats().calls.components) + "\\n");`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    let stoppedAt = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stoppedAt && stdout.includes("STOPPED")) stoppedAt = performance.now();
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(killer);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.replace("STOPPED ", ""))).toHaveProperty("replayPool/batchWorker");
    expect(performance.now() - stoppedAt).toBeLessThan(1000);
  });
});
