import type { ComponentApi } from "../component/componentApi.ts";
import type { AnyProjection, EventEnvelope, Registry } from "../registry/index.ts";

/** What Reproject needs of the app: its component reference, its projections and its event envelope. */
export interface ReprojectConfig<P extends AnyProjection = AnyProjection> {
  /** `components.reproject` from the app's `convex/_generated/api`. */
  component: ComponentApi;
  registry: Registry<P>;
  envelope: EventEnvelope;
}
