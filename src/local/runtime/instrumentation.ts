// convex-test runs a function by calling the `_handler` of the module export it resolves, for client
// calls, nested calls, scheduled jobs and component functions alike. Wrapping that handler is the one
// place that sees every execution: to count it, to notice finished mutations, and to tell the
// process-wide hooks which runtime and component the code belongs to.
import { currentExecution, runInExecution, type FunctionKind, type RuntimeHooks } from "./execution-context.ts";
import { loadOnce, type ModuleExports, type ModuleLoader } from "./module-map.ts";

type Handler = (ctx: unknown, args: unknown) => unknown;

/** What `queryGeneric` and its siblings in `convex/server` attach to a registered function. */
export interface RegisteredFunction {
  readonly isQuery?: boolean;
  readonly isMutation?: boolean;
  readonly isAction?: boolean;
  readonly isPublic?: boolean;
  readonly isInternal?: boolean;
  readonly _handler: Handler;
}

export function registeredFunctionKind(value: unknown): FunctionKind | undefined {
  const isObject = (typeof value === "function" || typeof value === "object") && value !== null;
  if (!isObject || typeof (value as Partial<RegisteredFunction>)._handler !== "function") return undefined;
  const registered = value as RegisteredFunction;
  if (registered.isQuery) return "query";
  if (registered.isMutation) return "mutation";
  if (registered.isAction) return "action";
  return undefined;
}

/** The module loaders of one component, with every registered function instrumented for `runtime`. */
export function instrumentModules(
  modules: Map<string, ModuleLoader>,
  componentPath: string,
  runtime: RuntimeHooks,
): Map<string, ModuleLoader> {
  return new Map(
    [...modules].map(([modulePath, load]) => [
      modulePath,
      loadOnce(async () => instrumentExports(await load(), componentPath, runtime)),
    ]),
  );
}

function instrumentExports(exports: ModuleExports, componentPath: string, runtime: RuntimeHooks): ModuleExports {
  return Object.fromEntries(
    Object.entries(exports).map(([name, value]) => {
      const kind = registeredFunctionKind(value);
      if (kind === undefined) return [name, value];
      const registered = value as RegisteredFunction;
      // A copy with the same flags, validators and invokers; convex-test only reads properties.
      return [name, { ...registered, _handler: instrumentHandler(registered._handler, kind, componentPath, runtime) }];
    }),
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
