// Every execution's handler, wrapped (registered-functions.ts): to count it, to notice finished
// mutations, and to tell the process-wide hooks which runtime and component the code belongs to.
import { limitCheckedExports } from "../../convex-test/deployment-limits.ts";
import { wrapHandlers, type FunctionKind, type Handler } from "../../convex-test/registered-functions.ts";
import { currentExecution, runInExecution, type RuntimeHooks } from "./execution-context.ts";
import { loadOnce, type ModuleLoader } from "./module-map.ts";

/**
 * The module loaders of one component, with every registered function instrumented for `runtime`
 * and checking its arguments and result against a deployment's limits (`nodeModules`: the
 * "use node" ones, whose actions take less).
 */
export function instrumentModules(
  modules: Map<string, ModuleLoader>,
  componentPath: string,
  runtime: RuntimeHooks,
  nodeModules: ReadonlySet<string> = new Set(),
): Map<string, ModuleLoader> {
  return new Map(
    [...modules].map(([modulePath, load]) => [
      modulePath,
      loadOnce(async () => {
        const checked = limitCheckedExports(modulePath, await load(), nodeModules.has(modulePath));
        return wrapHandlers(checked, (handler, kind) => instrumentHandler(handler, kind, componentPath, runtime));
      }),
    ]),
  );
}

function instrumentHandler(
  handler: Handler,
  kind: FunctionKind,
  componentPath: string,
  runtime: RuntimeHooks,
): Handler {
  const withLatency = kind === "action" && runtime.callLatencyMs > 0;
  return async (ctx, args) => {
    if (withLatency) ctx = withCallLatency(ctx as ActionCalls, runtime.callLatencyMs);
    const caller = currentExecution();
    const origin = caller?.origin ?? "function-call";
    const startingJob = caller?.startingJob;
    runtime.functionStarted({ kind, componentPath, scheduled: startingJob !== undefined, origin });
    try {
      const result = await runInExecution({ runtime, componentPath, origin }, () => handler(ctx, args));
      if (kind === "mutation") runtime.mutationCompleted();
      return result;
    } finally {
      if (startingJob) runtime.scheduledJobFinished(startingJob);
    }
  };
}

interface ActionCalls {
  runQuery: (...args: unknown[]) => Promise<unknown>;
  runMutation: (...args: unknown[]) => Promise<unknown>;
}

/**
 * The action's ctx with its queries and mutations delayed by `latencyMs` each, before their
 * transaction starts: the action waits without using the CPU and without holding up other work,
 * as it would waiting for a deployment's answer.
 */
function withCallLatency<Ctx extends ActionCalls>(ctx: Ctx, latencyMs: number): Ctx {
  const delayed =
    (call: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return call(...args);
    };
  return { ...ctx, runQuery: delayed(ctx.runQuery), runMutation: delayed(ctx.runMutation) };
}
