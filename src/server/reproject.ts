// `defineReproject`: Reproject bound to the app's component, projections, envelope and admin check.
// It gives the app's functions what they call (append events, read the active read models) and the
// factories of what the app exports: the engine's functions, the admin API and the crons.
//
//   export const reproject = defineReproject({ component: components.reproject, registry, envelope, authorize: adminFromEnvironment() });
//   export const { storePlan, applyBatch, ... } = reproject.functions();   // convex/reproject.ts
//   await reproject.appendEvents(ctx, [{ eventId, eventType: "OrderPlaced", ... }]);
//   const orders = await reproject.activeReadModel(ctx, "orderSummary");
import {
  getFunctionAddress,
  getFunctionName,
  makeFunctionReference,
  type Crons,
  type FunctionReference,
  type GenericMutationCtx,
  type GenericQueryCtx,
} from "convex/server";
import { uncarriedAttributes } from "../registry/envelope.ts";
import type { AnyProjection, EventRecord, Registry, EventEnvelope } from "../registry/index.ts";
import { activeReadModel } from "./active-read-model.ts";
import { adminApi } from "./admin-api.ts";
import { DEFAULT_MODULES, type ReprojectConfig, type ReprojectModules } from "./config.ts";
import { appendEvents, type NewEvent } from "./event-log.ts";
import { engineFunctions } from "./functions/index.ts";
import { engineReferences, FUNCTION_NAMES, NODE_FUNCTION_NAMES } from "./references.ts";
import type { Wiring } from "./wiring.ts";

/** `internal.reproject` (or wherever the app exports `reproject.functions()`). */
export type ExportedFunctions = Record<(typeof FUNCTION_NAMES)[number], FunctionReference<any, "internal">>;
/** `internal.reprojectNode` (or wherever the app exports `reprojectNode(reproject)`). */
export type ExportedNodeFunctions = Record<(typeof NODE_FUNCTION_NAMES)[number], FunctionReference<any, "internal">>;

export class ReprojectConfigError extends Error {
  override name = "ReprojectConfigError";
}

const MODULE_PATH = /^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/;
const FUNCTION_PATH = /^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*:[A-Za-z_][A-Za-z0-9_]*$/;

export function defineReproject<P extends AnyProjection>(config: ReprojectConfig<P>) {
  const wiring = checkedWiring(config);
  return {
    ...config,
    wiring,
    /**
     * Appends events in the caller's mutation and applies every projection with an active read
     * model to them; an event a projection rejects throws, so nothing is appended.
     */
    appendEvents: (ctx: GenericMutationCtx<any>, events: readonly NewEvent[]): Promise<EventRecord[]> =>
      appendEvents(ctx, wiring, events),
    /** The projection's active generation, for reading in queries. */
    activeReadModel: <Name extends P["name"]>(ctx: GenericQueryCtx<any>, name: Name) =>
      activeReadModel(ctx, config, name),
    /** The engine's internal functions: export every one from the `functions` module (default `convex/reproject.ts`). */
    functions: () => engineFunctions(wiring),
    /** The public rebuild API behind `authorize`, for the panel, the React hooks and the CLI. */
    adminApi: () => adminApi(wiring),
    /**
     * Registers Reproject's schedules: resume stalled rebuilds (every minute), reconcile versions
     * (every 10 minutes), archive old events (hourly), maintain the archive (daily at 03:17 UTC),
     * apply retention to the engine's records (daily at 04:07 UTC). Pass `internal.reproject` and
     * `internal.reprojectNode`: a function left unexported is a type error here, and a module that
     * is not the configured one fails the deploy with the fix.
     */
    crons: (crons: Crons, functions: ExportedFunctions, node: ExportedNodeFunctions) => {
      checkExported(functions, FUNCTION_NAMES, wiring.modules.functions, "functions", "reproject.functions()");
      checkExported(node, NODE_FUNCTION_NAMES, wiring.modules.node, "node", "reprojectNode(reproject)");
      crons.interval("reproject: resume stalled rebuilds", { minutes: 1 }, functions.superviseRebuilds, {});
      crons.interval("reproject: reconcile projection versions", { minutes: 10 }, functions.reconcile, {});
      crons.interval("reproject: archive old events", { hours: 1 }, node.archive, {});
      crons.daily(
        "reproject: maintain the event archive",
        { hourUTC: 3, minuteUTC: 17 },
        functions.startMaintenance,
        {},
      );
      crons.daily("reproject: apply retention", { hourUTC: 4, minuteUTC: 7 }, functions.applyRetention, {});
    },
  };
}

function checkedWiring<P extends AnyProjection>(config: ReprojectConfig<P>): Wiring<P> {
  const fail = (problem: string) => new ReprojectConfigError(`defineReproject: ${problem}`);
  if (typeof config !== "object" || config === null) throw fail("pass { component, registry, envelope, authorize }");
  const componentProblem = componentReferenceProblem(config.component);
  if (componentProblem) throw fail(componentProblem);
  if (!config.registry || typeof config.registry.require !== "function")
    throw fail("registry is missing: pass defineRegistry([...your projections])");
  if (!config.envelope || !config.envelope.columns)
    throw fail("envelope is missing: pass defineEnvelope({ columns, attributes })");
  const uncarried = envelopeProblems(config.registry, config.envelope);
  if (uncarried.length > 0) throw fail(`the envelope cannot carry the projections' events: ${uncarried.join("; ")}`);
  if (typeof config.authorize !== "function") {
    throw fail(
      "authorize is missing: the admin API needs your admin check, e.g. authorize: adminFromEnvironment() " +
        "(REPROJECT_ADMIN_SUBJECTS / REPROJECT_ADMIN_ROLE) or your own (ctx) => ({ allowed, actor })",
    );
  }
  const modules: ReprojectModules = { ...DEFAULT_MODULES, ...config.modules };
  for (const [role, path] of Object.entries(modules)) {
    if (typeof path !== "string" || !MODULE_PATH.test(path)) {
      throw fail(
        `modules.${role} must be a Convex module path such as "reproject" or "admin/reproject", got ${JSON.stringify(path)}`,
      );
    }
  }
  if (modules.functions === modules.node)
    throw fail(
      `modules.functions and modules.node are both "${modules.node}": Node actions need their own "use node" module`,
    );
  if (config.notify !== undefined && (typeof config.notify !== "string" || !FUNCTION_PATH.test(config.notify))) {
    throw fail(
      `notify must name the app's function as "module:export", such as "rebuildNotifications:record", got ${JSON.stringify(config.notify)}`,
    );
  }
  return {
    component: config.component,
    registry: config.registry,
    envelope: config.envelope,
    authorize: config.authorize,
    modules,
    refs: engineReferences(modules),
    notify:
      config.notify === undefined ? undefined : (makeFunctionReference(config.notify) as unknown as Wiring["notify"]),
  };
}

const COMPONENT_CALL = /^_reference\/childComponent\/(.+)\/rebuilds\/trigger$/;

/** Whether `component` is an installed component's reference (`components.<name>`), not `components` itself or an API. */
function componentReferenceProblem(component: unknown): string | null {
  const fix =
    "pass components.reproject from ./_generated/api (the name app.use(reproject) gave it in convex.config.ts)";
  if (typeof component !== "object" || component === null) return `component is missing: ${fix}`;
  let address: unknown;
  try {
    address = getFunctionAddress((component as ReprojectConfig["component"]).rebuilds.trigger);
  } catch {
    address = undefined;
  }
  const reference = (address as { reference?: unknown } | undefined)?.reference;
  if (typeof reference !== "string" || !COMPONENT_CALL.test(reference)) {
    return `component is not an installed component (components.<name>): ${fix}`;
  }
  return null;
}

function envelopeProblems(registry: Registry, envelope: EventEnvelope): string[] {
  const contracts = new Map(
    registry.projections.flatMap((projection) =>
      [...projection.routes.values()].map(({ contract }) => [contract.type, contract]),
    ),
  );
  return [...contracts.values()].flatMap((contract) =>
    uncarriedAttributes(envelope, contract.type, contract.attributes),
  );
}

function checkExported(
  exported: Record<string, FunctionReference<any, "internal">>,
  names: readonly string[],
  module: string,
  role: keyof ReprojectModules,
  factory: string,
): void {
  for (const name of names) {
    const reference = exported?.[name];
    const path = reference ? getFunctionName(reference) : undefined;
    if (path !== `${module}:${name}`) {
      throw new ReprojectConfigError(
        `reproject.crons: expected ${module}:${name} (modules.${role} is "${module}"), got ${path ?? "nothing"}: ` +
          `export every function of ${factory} from convex/${module}.ts, or set modules.${role} in defineReproject`,
      );
    }
  }
}
