import type { Auth } from "convex/server";
import type { ComponentApi } from "../component/componentApi.ts";
import type { Actor } from "../component/validators.ts";
import type { AnyProjection, EventEnvelope, Registry } from "../registry/index.ts";

/** Whether the caller may run Reproject's admin functions, and who they are (for the audit log). */
export type Authorization = { allowed: true; actor: Actor } | { allowed: false; actor: Actor; reason: string };

/** The app's admin check: runs in its queries and mutations, with its own auth. */
export type AuthorizeAdmin = (ctx: { auth: Auth }) => Promise<Authorization>;

/** Where the app exports the functions Reproject's factories define (Convex module paths). */
export interface ReprojectModules {
  /** The module exporting `reproject.functions()`: `convex/reproject.ts` is "reproject". */
  functions: string;
  /** The "use node" module exporting `reprojectNode(reproject)`: `convex/reprojectNode.ts` is "reprojectNode". */
  node: string;
}

/** What Reproject needs of the app. */
export interface ReprojectConfig<P extends AnyProjection = AnyProjection> {
  /** `components.reproject` from the app's `convex/_generated/api`. */
  component: ComponentApi;
  registry: Registry<P>;
  envelope: EventEnvelope;
  /** Who may trigger, control and watch rebuilds (e.g. `adminFromEnvironment()`). */
  authorize: AuthorizeAdmin;
  /** Defaults: "reproject" and "reprojectNode". */
  modules?: Partial<ReprojectModules>;
  /**
   * The app's function ("module:export", an internal mutation or action taking `vRebuildNotification`)
   * Reproject schedules when a rebuild completes, fails, stalls or waits for an operator.
   */
  notify?: string;
}

export const DEFAULT_MODULES: ReprojectModules = { functions: "reproject", node: "reprojectNode" };
