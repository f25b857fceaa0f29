// What a snapshot needs to know about scheduled jobs that their `_scheduled_functions` documents do
// not say: the component a job runs in when it differs from the one that scheduled it, and whether
// an `inProgress` job has in fact finished (convex-test marks it a transaction later).
import type { ScheduledJobRef, SchedulerTimer } from "./execution-context.ts";

function jobKey(job: ScheduledJobRef): string {
  return `${job.componentPath}|${job.jobId}`;
}

export class ScheduledJobLedger {
  private readonly crossComponentTargets = new Map<string, string>();
  private readonly finishedJobs = new Set<string>();
  /** Schedule syscalls still running, with the timers they armed so far. */
  private readonly inFlight = new Map<Promise<unknown>, readonly SchedulerTimer[]>();

  scheduleStarted(armedTimers: readonly SchedulerTimer[], settled: Promise<unknown>): void {
    this.inFlight.set(settled, armedTimers);
    const forget = () => this.inFlight.delete(settled);
    settled.then(forget, forget);
  }

  jobScheduled(job: ScheduledJobRef, targetComponentPath: string): void {
    if (targetComponentPath !== job.componentPath) this.crossComponentTargets.set(jobKey(job), targetComponentPath);
  }

  jobFinished(job: ScheduledJobRef): void {
    this.finishedJobs.add(jobKey(job));
  }

  /**
   * Waits until every job whose document exists has its target recorded. An action schedules in a
   * transaction of its own, which commits before the syscall returns to the hook that records the
   * target; those syscalls need no lock to finish, so a snapshot can wait for them while it holds one.
   */
  async recordsSettled(): Promise<void> {
    const armed = [...this.inFlight].filter(([, timers]) => timers.length > 0).map(([settled]) => settled);
    await Promise.allSettled(armed);
  }

  targetComponentPath(job: ScheduledJobRef): string {
    return this.crossComponentTargets.get(jobKey(job)) ?? job.componentPath;
  }

  hasFinished(job: ScheduledJobRef): boolean {
    return this.finishedJobs.has(jobKey(job));
  }

  /** Forgets every job but the live ones: the others will never be snapshotted again. */
  retainOnly(liveJobs: readonly ScheduledJobRef[]): void {
    const live = new Set(liveJobs.map(jobKey));
    for (const key of this.crossComponentTargets.keys()) if (!live.has(key)) this.crossComponentTargets.delete(key);
    for (const key of this.finishedJobs) if (!live.has(key)) this.finishedJobs.delete(key);
  }
}
