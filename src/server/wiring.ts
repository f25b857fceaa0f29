import type { FunctionReference } from "convex/server";
import type { ComponentApi } from "../component/componentApi.ts";
import type { AnyProjection, EventEnvelope, Registry } from "../registry/index.ts";
import type { AuthorizeAdmin, ReprojectModules } from "./config.ts";
import type { EngineReferences } from "./references.ts";

/** The app's configuration as the function factories use it: checked, with module paths and references resolved. */
export interface Wiring<P extends AnyProjection = AnyProjection> {
  component: ComponentApi;
  registry: Registry<P>;
  envelope: EventEnvelope;
  authorize: AuthorizeAdmin;
  modules: ReprojectModules;
  refs: EngineReferences;
  /** The app's rebuild notification function, if it has one. */
  notify: FunctionReference<"mutation" | "action", "internal"> | undefined;
}
