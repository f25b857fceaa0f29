// convex-test's `_scheduled_functions` documents keep a job's function name but not the component it
// runs in (the Workpool schedules the app's onComplete mutations through function handles), and the
// timer that starts a job is armed inside the schedule syscall. Intercepting that syscall tells the
// runtime both: where each job runs, and which timer belongs to which job.
import { interceptAsyncSyscalls, type AsyncSyscall } from "../../convex-test/syscalls.ts";
import { currentExecution, runInExecution, type ScheduledJobRef, type SchedulerTimer } from "./execution-context.ts";

/** A mutation's `ctx.scheduler` and an action's: the second one calls the first inside convex-test. */
const SCHEDULE_OPS = new Set(["1.0/schedule", "1.0/actions/schedule"]);

export function interceptScheduleSyscalls(): void {
  interceptAsyncSyscalls("local runtime: scheduled jobs", SCHEDULE_OPS, scheduleTracked);
}

function scheduleTracked(op: string, args: string, asyncSyscall: AsyncSyscall): Promise<string> {
  const execution = currentExecution();
  if (!execution) return asyncSyscall(op, args);
  const armingTimers: SchedulerTimer[] = [];
  const scheduled = runInExecution({ ...execution, armingTimers }, () => asyncSyscall(op, args)).then((result) => {
    const job: ScheduledJobRef = { componentPath: execution.componentPath, jobId: JSON.parse(result) as string };
    for (const timer of armingTimers) timer.job = job;
    execution.runtime.jobScheduled(job, targetComponentPath(execution.componentPath, JSON.parse(args)));
    return result;
  });
  execution.runtime.scheduleStarted(armingTimers, scheduled);
  return scheduled;
}

/** The component a scheduled function runs in, resolved from its address as convex-test does. */
function targetComponentPath(
  schedulingComponentPath: string,
  address: { functionHandle?: string; reference?: string },
): string {
  if (address.functionHandle !== undefined) {
    // "function://<component path>;<module>:<export>"
    return /^function:\/\/([^;]*);/.exec(address.functionHandle)?.[1] ?? schedulingComponentPath;
  }
  if (address.reference !== undefined) {
    // "_reference/childComponent/<child>/<module path>/<export>"
    const child = address.reference.split("/")[2] ?? "";
    return schedulingComponentPath ? `${schedulingComponentPath}/${child}` : child;
  }
  return schedulingComponentPath;
}
