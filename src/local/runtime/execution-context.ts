// What the code running right now belongs to: which runtime, which component, and why it runs.
// convex-test executes every function in this process and arms plain timers for scheduled ones, so
// the process-wide hooks (scheduler timers, the schedule syscall, the limits config) find their
// runtime through this async context rather than through globals.
import { AsyncLocalStorage } from "node:async_hooks";
import type { FunctionKind } from "../../convex-test/registered-functions.ts";

export type { FunctionKind };

/**
 * `function-call`: a client call, a scheduled job or anything they call.
 * `subscription-refresh`: re-running a subscribed query (not counted as a function call).
 * `maintenance`: the runtime's own snapshot and restore transactions (Convex limits lifted).
 */
export type ExecutionOrigin = "function-call" | "subscription-refresh" | "maintenance";

/** A `_scheduled_functions` document: it lives in the database of the component that scheduled it. */
export interface ScheduledJobRef {
  readonly componentPath: string;
  readonly jobId: string;
}

/** A timer convex-test armed to start a scheduled function. */
export interface SchedulerTimer {
  readonly handle: NodeJS.Timeout;
  /** Known once the schedule syscall returns, before the timer can fire. */
  job?: ScheduledJobRef;
}

export interface FunctionStart {
  kind: FunctionKind;
  componentPath: string;
  /** The function is a scheduled job itself (not something a job called). */
  scheduled: boolean;
  origin: ExecutionOrigin;
}

/** How the process-wide hooks report to the runtime that owns the running code. */
export interface RuntimeHooks {
  functionStarted(start: FunctionStart): void;
  /** A mutation's handler returned: its writes are about to commit. */
  mutationCompleted(): void;
  /** A schedule syscall began; `settled` resolves after `jobScheduled` was reported for it, or rejects. */
  scheduleStarted(armedTimers: readonly SchedulerTimer[], settled: Promise<unknown>): void;
  jobScheduled(job: ScheduledJobRef, targetComponentPath: string): void;
  /** The function a scheduled job started has returned or thrown. */
  scheduledJobFinished(job: ScheduledJobRef): void;
  timerArmed(timer: SchedulerTimer): void;
  timerFired(timer: SchedulerTimer): void;
  /** Milliseconds each query or mutation called from an action waits first, as a round trip to a deployment does. */
  readonly callLatencyMs: number;
}

export interface ExecutionContext {
  readonly runtime: RuntimeHooks;
  /** "" for the app, e.g. "reproject/replayPool" for a component. */
  readonly componentPath: string;
  readonly origin: ExecutionOrigin;
  /** Set by the timer that starts a scheduled job: the first function to run under it is that job. */
  readonly startingJob?: ScheduledJobRef;
  /** Set while convex-test's schedule syscall runs: collects the timer it arms. */
  readonly armingTimers?: SchedulerTimer[];
}

const executionStorage = new AsyncLocalStorage<ExecutionContext>();

export function currentExecution(): ExecutionContext | undefined {
  return executionStorage.getStore();
}

export function runInExecution<T>(context: ExecutionContext, run: () => T): T {
  return executionStorage.run(context, run);
}
