// The local runtime's latency model: each query or mutation an action calls waits first, as a round
// trip to a deployment would, without holding up other functions meanwhile.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";

const FIXTURE_APP = fileURLToPath(new URL("../fixtures/convex-app/", import.meta.url));
const LATENCY_MS = 40;
const READS = 10;

async function action<T>(runtime: LocalRuntimeProcess, path: string, args: object): Promise<T> {
  const response = await fetch(`${runtime.url}/api/action`, {
    method: "POST",
    body: JSON.stringify({ path, args, format: "json" }),
  });
  const body = (await response.json()) as { status: string; value: T; errorMessage?: string };
  if (body.status !== "success") throw new Error(body.errorMessage);
  return body.value;
}

describe("the local runtime's latency model", () => {
  let withLatency: LocalRuntimeProcess;
  let without: LocalRuntimeProcess;
  beforeAll(async () => {
    [withLatency, without] = await Promise.all([
      startLocalRuntimeProcess({ convexDir: FIXTURE_APP, callLatencyMs: LATENCY_MS }),
      startLocalRuntimeProcess({ convexDir: FIXTURE_APP }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([withLatency?.stop(), without?.stop()]);
  });

  it("delays every query an action calls by the configured round trip", async () => {
    const elapsed = await action<number>(withLatency, "notes:readRepeatedly", { times: READS });
    expect(elapsed).toBeGreaterThanOrEqual(READS * LATENCY_MS);
    const unhindered = await action<number>(without, "notes:readRepeatedly", { times: READS });
    expect(unhindered).toBeLessThan(READS * LATENCY_MS);
  });

  it("lets other actions run while one waits: eight at once take about as long as one", async () => {
    const started = performance.now();
    const each = await Promise.all(
      Array.from({ length: 8 }, () => action<number>(withLatency, "notes:readRepeatedly", { times: READS })),
    );
    const wall = performance.now() - started;
    for (const elapsed of each) expect(elapsed).toBeGreaterThanOrEqual(READS * LATENCY_MS);
    // Serialized waits would take 8 × 10 × 40 ms = 3.2 s.
    expect(wall).toBeLessThan(3 * READS * LATENCY_MS);
  });

  it("refuses a latency that is not a number of milliseconds", async () => {
    await expect(startLocalRuntimeProcess({ convexDir: FIXTURE_APP, callLatencyMs: -5 })).rejects.toThrow(
      /--call-latency-ms must be a number of milliseconds >= 0, got "-5"/,
    );
  });
});
