// The demo's registry with sessionSummary at a version a test changes between "deploys", for
// `vi.mock("../../convex/projections.ts", ...)`.
import type * as Projections from "../../convex/projections.ts";
import { defineRegistry } from "../../src/registry/index.ts";

export function withSessionSummaryVersion(original: typeof Projections, version: () => number): typeof Projections {
  const sessionSummary = Object.create(original.sessionSummary, { version: { get: version } });
  return { ...original, sessionSummary, registry: defineRegistry([original.rebufferByCdn, sessionSummary]) };
}
