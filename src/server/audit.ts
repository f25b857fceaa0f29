import type { GenericMutationCtx } from "convex/server";
import type { ComponentApi } from "../component/componentApi.ts";
import type { Actor } from "../component/validators.ts";

export interface AuditEntry {
  actor: Actor;
  action: string;
  outcome: string;
  projection?: string;
  rebuildId?: string;
  details?: string;
}

/** Writes the entry to the component's audit log, in the caller's transaction. */
export async function recordAudit(
  ctx: GenericMutationCtx<any>,
  component: ComponentApi,
  entry: AuditEntry,
): Promise<void> {
  await ctx.runMutation(component.audit.record, entry);
}
