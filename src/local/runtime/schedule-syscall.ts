// convex-test's `_scheduled_functions` documents keep a job's function name but not the component it
// runs in (the Workpool schedules the app's onComplete mutations through function handles), and the
// timer that starts a job is armed inside the schedule syscall. Intercepting that syscall tells the
// runtime both: where each job runs, and which timer belongs to which job.
import { currentExecution, runInExecution, type ScheduledJobRef, type SchedulerTimer } from "./execution-context.ts";

interface ConvexSyscalls {
  readonly syscall: (op: string, args: string) => string;
  readonly asyncSyscall: (op: string, args: string) => Promise<string>;
  readonly jsSyscall: (op: string, args: Record<string, unknown>) => unknown;
}

/** A mutation's `ctx.scheduler` and an action's: the second one calls the first inside convex-test. */
const SCHEDULE_OPS = new Set(["1.0/schedule", "1.0/actions/schedule"]);
const INTERCEPTED = Symbol.for("reproject.localRuntime.scheduleSyscalls");

/**
 * Wraps the `Convex` global that convex-test installs when the first instance is created (it
 * delegates to the instance whose function is running), once per process.
 */
export function interceptScheduleSyscalls(): void {
  const host = globalThis as { Convex?: ConvexSyscalls & { [INTERCEPTED]?: true } };
  const original = host.Convex;
  if (!original)
    throw new Error("convex-test has not installed the Convex syscalls: create a convexTest instance first");
  if (original[INTERCEPTED]) return;
  host.Convex = {
    [INTERCEPTED]: true,
    get syscall() {
      return original.syscall;
    },
    get jsSyscall() {
      return original.jsSyscall;
    },
    get asyncSyscall() {
      const asyncSyscall = original.asyncSyscall;
      return (op: string, args: string) =>
        SCHEDULE_OPS.has(op) ? scheduleTracked(asyncSyscall, op, args) : asyncSyscall(op, args);
    },
  };
}

function scheduleTracked(asyncSyscall: ConvexSyscalls["asyncSyscall"], op: string, args: string): Promise<string> {
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
