// convex-test arms a real setTimeout for every scheduled function and never clears it, including the
// Workpool's 2-minute liveness monitor: a one-shot process that is done would linger until it fires.
// The runtime tracks the timers its scheduler arms, so `stop()` can clear them.
import { currentExecution, runInExecution, type RuntimeHooks, type SchedulerTimer } from "./execution-context.ts";

/** The scheduler timers of one runtime that have not fired yet. */
export class SchedulerTimers {
  private readonly pending = new Set<SchedulerTimer>();
  private stopped = false;

  armed(timer: SchedulerTimer): void {
    if (this.stopped) clearTimeout(timer.handle);
    else this.pending.add(timer);
  }

  fired(timer: SchedulerTimer): void {
    this.pending.delete(timer);
  }

  /** Clears every pending timer and every timer armed from now on: no scheduled function starts anymore. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.pending) clearTimeout(timer.handle);
    this.pending.clear();
  }
}

type TimerCallback = (...args: unknown[]) => void;
type SetTimeout = (callback: TimerCallback, delay?: number, ...args: unknown[]) => NodeJS.Timeout;

let installed = false;

/**
 * Replaces the global setTimeout, once per process, with one that hands the timers armed inside
 * convex-test's schedule syscall to their runtime, and starts their callback as a scheduled job.
 * Every other timer passes straight through.
 */
export function trackSchedulerTimers(): void {
  if (installed) return;
  installed = true;
  const originalSetTimeout = globalThis.setTimeout as unknown as SetTimeout;
  const trackingSetTimeout: SetTimeout = (callback, delay, ...args) => {
    const execution = currentExecution();
    if (!execution?.armingTimers) return originalSetTimeout(callback, delay, ...args);
    const { runtime, armingTimers } = execution;
    const timer: SchedulerTimer = {
      handle: originalSetTimeout(() => startScheduledJob(runtime, timer, () => callback(...args)), delay),
    };
    armingTimers.push(timer);
    runtime.timerArmed(timer);
    return timer.handle;
  };
  Object.defineProperties(trackingSetTimeout, Object.getOwnPropertyDescriptors(originalSetTimeout));
  globalThis.setTimeout = trackingSetTimeout as unknown as typeof globalThis.setTimeout;
}

function startScheduledJob(runtime: RuntimeHooks, timer: SchedulerTimer, start: () => void): void {
  runtime.timerFired(timer);
  runInExecution(
    { runtime, componentPath: "", origin: "function-call", ...(timer.job ? { startingJob: timer.job } : {}) },
    start,
  );
}
