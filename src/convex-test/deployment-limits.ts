// Makes convex-test refuse what a Convex deployment refuses and convex-test lets through: documents
// over 1 MiB or nested too deep, arrays over 8,192 items and objects over 1,024 fields anywhere,
// and function arguments and results over 16 MiB (5 MiB into a "use node" action). Installed by
// `reproject/test` and by the local runtime, so tests, the demo and the benchmarks fail where a
// deployment would. Transaction limits stay convex-test's own `transactionLimits` option.
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { patchDatabaseClass } from "./database-class.ts";
import { wrapHandlers, type Handler, type ModuleExports } from "./registered-functions.ts";
import { interceptAsyncSyscalls, type AsyncSyscall } from "./syscalls.ts";
import { DEPLOYMENT_VALUE_LIMITS, documentLimitViolation, functionValueViolation } from "./value-limits.ts";

export class DeploymentLimitError extends Error {
  override name = "DeploymentLimitError";
}

/** What this reads of convex-test's DatabaseFake: every insert, patch (merged) and replace is validated here. */
interface ValidatingDatabase {
  _validate(table: string, document: Record<string, Value | undefined>): void;
}

const SCHEDULE_OPS = new Set(["1.0/schedule", "1.0/actions/schedule"]);

/**
 * Refuses oversized documents and scheduled arguments from now on, for every convex-test instance
 * of the process. Idempotent; call it after the first `convexTest(...)` (its syscalls must exist).
 * Calls are checked by the functions themselves: see `limitCheckedModules`.
 */
export function enforceDeploymentLimits(): void {
  patchDatabaseClass("deployment limits", (prototype) => {
    const database = prototype as ValidatingDatabase;
    const validate = database._validate;
    database._validate = function (this: ValidatingDatabase, table, document) {
      // System tables (scheduled jobs' arguments, files) follow their own limits.
      const violation = table.startsWith("_") ? null : documentLimitViolation(table, document);
      if (violation) throw new DeploymentLimitError(`${capitalise(violation)}: a Convex deployment refuses the write.`);
      validate.call(this, table, document);
    };
  });
  interceptAsyncSyscalls("deployment limits: scheduling", SCHEDULE_OPS, checkedSchedule);
}

type ModuleLoader = () => Promise<unknown>;

/**
 * A convex-test module map (file paths under a folder with `_generated/`, as `import.meta.glob`
 * gives them) whose functions refuse arguments and results a deployment would refuse, whoever
 * calls them: a client, an action, a mutation, the scheduler. `nodeModules` name the "use node"
 * modules (`reprojectNode`), whose actions take 5 MiB of arguments at most.
 */
export function limitCheckedModules(
  modules: Record<string, ModuleLoader>,
  { nodeModules = [] }: { nodeModules?: Iterable<string> } = {},
): Record<string, ModuleLoader> {
  const root =
    Object.keys(modules)
      .find((path) => path.includes("_generated"))
      ?.split("_generated")[0] ?? "";
  const node = new Set(nodeModules);
  return Object.fromEntries(
    Object.entries(modules).map(([file, load]) => {
      const modulePath = file.slice(root.length).replace(/\.[^.]+$/, "");
      // convex-test loads a module for every call: wrap each module object it gets once (a new one
      // after vi.resetModules is wrapped anew).
      const wrapped = new WeakMap<ModuleExports, ModuleExports>();
      const checked = async () => {
        const exports = (await load()) as ModuleExports;
        let checkedExports = wrapped.get(exports);
        if (!checkedExports) {
          checkedExports = limitCheckedExports(modulePath, exports, node.has(modulePath));
          wrapped.set(exports, checkedExports);
        }
        return checkedExports;
      };
      return [file, checked];
    }),
  );
}

/** The module's functions, each checking its arguments and its result against a deployment's limits. */
export function limitCheckedExports(modulePath: string, exports: ModuleExports, isNodeModule: boolean): ModuleExports {
  return wrapHandlers(exports, (handler, kind, exportName): Handler => {
    const path = `${modulePath}:${exportName}`;
    const maxArgumentBytes =
      kind === "action" && isNodeModule
        ? DEPLOYMENT_VALUE_LIMITS.nodeActionArgumentBytes
        : DEPLOYMENT_VALUE_LIMITS.argumentBytes;
    return async (ctx, args) => {
      checkFunctionValue(args as Value, maxArgumentBytes, `The arguments of ${path}`);
      const result = await handler(ctx, args);
      if (result !== undefined)
        checkFunctionValue(result as Value, DEPLOYMENT_VALUE_LIMITS.resultBytes, `The value ${path} returned`);
      return result;
    };
  });
}

interface ScheduledJob {
  name?: string;
  reference?: string;
  functionHandle?: string;
  args: JSONValue;
}

function checkedSchedule(op: string, args: string, next: AsyncSyscall): Promise<string> {
  const job = JSON.parse(args) as ScheduledJob;
  const target = job.name ?? job.functionHandle?.replace(/^function:\/\/[^;]*;/, "") ?? job.reference ?? "a function";
  checkFunctionValue(
    jsonToConvex(job.args),
    DEPLOYMENT_VALUE_LIMITS.argumentBytes,
    `The arguments scheduled for ${target}`,
  );
  return next(op, args);
}

function checkFunctionValue(value: Value, maxBytes: number, what: string): void {
  const violation = functionValueViolation(value, maxBytes);
  if (violation) throw new DeploymentLimitError(`${what} ${violation}: a Convex deployment refuses it.`);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
