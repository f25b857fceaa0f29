// The local runtime runs the app's cron jobs as a deployment does: intervals from its start, the
// other schedules at their next UTC time; a failing job is logged and runs again; a job naming
// something that is not a mutation or an action is refused at start.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CronRunner, nextRunAt, type CronJob } from "../../src/local/runtime/crons.ts";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";

const CRON_APP = fileURLToPath(new URL("../fixtures/cron-app/", import.meta.url));
const AT = Date.UTC(2026, 11, 4, 21, 0, 0);
const MINUTE = 60_000;

describe("a cron job's next run", () => {
  it("comes every interval from the start, and at the next UTC time of the other schedules", () => {
    const started = AT - 30_000;
    expect(nextRunAt({ type: "interval", minutes: 1 }, AT, started)).toBe(started + MINUTE);
    expect(nextRunAt({ type: "interval", seconds: 30 }, AT, started)).toBe(AT + 30_000);
    expect(nextRunAt({ type: "hourly", minuteUTC: 5 }, AT, AT)).toBe(Date.UTC(2026, 11, 4, 21, 5));
    expect(nextRunAt({ type: "daily", hourUTC: 3, minuteUTC: 17 }, AT, AT)).toBe(Date.UTC(2026, 11, 5, 3, 17));
    // 2026-12-04 is a Friday.
    expect(nextRunAt({ type: "weekly", dayOfWeek: "monday", hourUTC: 9 }, AT, AT)).toBe(Date.UTC(2026, 11, 7, 9, 0));
    expect(nextRunAt({ type: "monthly", day: 1, hourUTC: 0 }, AT, AT)).toBe(Date.UTC(2027, 0, 1, 0, 0));
    expect(nextRunAt({ type: "cron", cron: "*/15 * * * *" }, AT + 1, AT)).toBe(Date.UTC(2026, 11, 4, 21, 15));
  });
});

describe("the cron runner", () => {
  afterEach(() => vi.useRealTimers());

  function runnerRecording(kinds: Record<string, "query" | "mutation" | "action">, failing = new Set<string>()) {
    const runs: Array<{ path: string; args: unknown; at: number }> = [];
    const logged: string[] = [];
    const runner = new CronRunner({
      kindOf: async (path) => kinds[path],
      run: async (_kind, path, args) => {
        runs.push({ path, args, at: Date.now() });
        if (failing.has(path)) throw new Error(`${path} broke`);
      },
      log: (line) => logged.push(line),
    });
    return { runner, runs, logged };
  }

  const job = (name: string, schedule: CronJob["schedule"], args: object = {}): CronJob => ({
    name,
    args: [args as never],
    schedule,
  });

  it("runs each job at its times with its arguments, and goes on after a failure, logged", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(AT);
    const { runner, runs, logged } = runnerRecording(
      { "a:watch": "mutation", "a:broken": "action" },
      new Set(["a:broken"]),
    );
    await runner.start({
      watch: job("a:watch", { type: "interval", minutes: 1 }, { deep: true }),
      broken: job("a:broken", { type: "hourly", minuteUTC: 30 }),
    });
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(runs.filter((run) => run.path === "a:watch").map((run) => run.at)).toEqual([
      AT + MINUTE,
      AT + 2 * MINUTE,
      AT + 3 * MINUTE,
    ]);
    expect(runs[0]!.args).toEqual({ deep: true });
    await vi.advanceTimersByTimeAsync(90 * MINUTE);
    expect(runs.filter((run) => run.path === "a:broken").map((run) => run.at)).toEqual([
      Date.UTC(2026, 11, 4, 21, 30),
      Date.UTC(2026, 11, 4, 22, 30),
    ]);
    expect(logged).toEqual([
      'cron job "broken" (a:broken) failed: a:broken broke',
      'cron job "broken" (a:broken) failed: a:broken broke',
    ]);
    runner.stop();
    const before = runs.length;
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(runs).toHaveLength(before);
  });

  it("refuses a job that names a query or nothing the app exports, before running any", async () => {
    const { runner, runs } = runnerRecording({ "a:read": "query", "a:watch": "mutation" });
    await expect(
      runner.start({
        watch: job("a:watch", { type: "interval", seconds: 1 }),
        read: job("a:read", { type: "interval", seconds: 1 }),
      }),
    ).rejects.toThrow('cron job "read" runs a:read, which is a query: a cron job runs a mutation or an action');
    await expect(runner.start({ gone: job("a:gone", { type: "interval", seconds: 1 }) })).rejects.toThrow(
      "which is not a function the app exports",
    );
    expect(runs).toEqual([]);
  });
});

describe("the local runtime", () => {
  let runtime: LocalRuntimeProcess | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it("runs the app's crons by itself", async () => {
    runtime = await startLocalRuntimeProcess({ convexDir: CRON_APP });
    const ticks = async () => {
      const response = await fetch(`${runtime!.url}/api/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "ticks:list", args: {}, format: "json" }),
      });
      return ((await response.json()) as { value: Array<{ by: string; at: number }> }).value;
    };
    await vi.waitFor(async () => expect((await ticks()).length).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
      interval: 200,
    });
    expect(new Set((await ticks()).map((tick) => tick.by))).toEqual(new Set(["cron"]));
    expect(runtime.stderr()).toContain('cron job "fail every second" (ticks:fail) failed: this job always fails');
  });
});
