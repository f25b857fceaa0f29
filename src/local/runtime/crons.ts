// The app's cron jobs (the default export of `convex/crons.ts`), run on timers as a deployment runs
// them: intervals from the runtime's start, the other schedules at their next UTC time (croner
// computes it, cron expressions included). A job that throws is logged and runs again at its next
// time, as on a deployment; a job still running when its time comes again is not started twice.
import { Cron } from "croner";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { FunctionKind } from "./execution-context.ts";

/** A job as `cronJobs()` stores it (convex/server's Crons): the function's path, its arguments, the schedule. */
export interface CronJob {
  name: string;
  args: JSONValue[];
  schedule: CronSchedule;
}

export type CronSchedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

/** setTimeout's longest delay; a later run is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** The job's schedule as a cron expression in UTC, or its interval in ms. */
function patternOf(schedule: CronSchedule): string | number {
  switch (schedule.type) {
    case "interval":
      return ((schedule.seconds ?? 0) + (schedule.minutes ?? 0) * 60 + (schedule.hours ?? 0) * 3600) * 1000;
    case "hourly":
      return `${schedule.minuteUTC ?? 0} * * * *`;
    case "daily":
      return `${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * *`;
    case "weekly":
      return `${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * ${DAYS.indexOf(schedule.dayOfWeek)}`;
    case "monthly":
      return `${schedule.minuteUTC ?? 0} ${schedule.hourUTC} ${schedule.day} * *`;
    case "cron":
      return schedule.cron;
  }
}

/** When the job runs next after `afterMs`; intervals count from `startedAtMs`. */
export function nextRunAt(schedule: CronSchedule, afterMs: number, startedAtMs: number): number {
  const pattern = patternOf(schedule);
  if (typeof pattern === "number") return startedAtMs + (Math.floor((afterMs - startedAtMs) / pattern) + 1) * pattern;
  const cron = new Cron(pattern, { timezone: "UTC", paused: true });
  const next = cron.nextRun(new Date(afterMs));
  cron.stop();
  if (!next) throw new Error(`cron schedule "${pattern}" never runs again`);
  return next.getTime();
}

export interface CronRunnerOptions {
  /** The kind of the function at a path, or undefined when the app exports none there. */
  kindOf: (path: string) => Promise<FunctionKind | undefined>;
  run: (kind: "mutation" | "action", path: string, args: Record<string, Value>) => Promise<unknown>;
  log: (line: string) => void;
  now?: () => number;
}

export class CronRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: CronRunnerOptions) {}

  /** Arms every job; a job naming no mutation or action is refused here, before anything runs. */
  async start(jobs: Record<string, CronJob>): Promise<void> {
    const now = this.options.now ?? Date.now;
    const startedAtMs = now();
    const armed: Array<() => void> = [];
    for (const [identifier, job] of Object.entries(jobs)) {
      const kind = await this.options.kindOf(job.name);
      if (kind !== "mutation" && kind !== "action") {
        throw new Error(
          `cron job "${identifier}" runs ${job.name}, which is ${kind ? `a ${kind}` : "not a function the app exports"}: ` +
            "a cron job runs a mutation or an action",
        );
      }
      const args = jsonToConvex(job.args[0] ?? {}) as Record<string, Value>;
      armed.push(() => this.arm(identifier, job, kind, args, startedAtMs, now));
    }
    for (const arm of armed) arm();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(
    identifier: string,
    job: CronJob,
    kind: "mutation" | "action",
    args: Record<string, Value>,
    startedAtMs: number,
    now: () => number,
  ): void {
    if (this.stopped) return;
    const dueAt = nextRunAt(job.schedule, now(), startedAtMs);
    this.armAt(dueAt, now, async () => {
      try {
        await this.options.run(kind, job.name, args);
      } catch (error) {
        this.options.log(`cron job "${identifier}" (${job.name}) failed: ${(error as Error).message}`);
      }
      this.arm(identifier, job, kind, args, startedAtMs, now);
    });
  }

  private armAt(dueAt: number, now: () => number, fire: () => Promise<void>): void {
    if (this.stopped) return;
    const delay = Math.max(0, dueAt - now());
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (delay > MAX_TIMER_MS) this.armAt(dueAt, now, fire);
        else void fire();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.add(timer);
  }
}
