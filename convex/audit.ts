import { components } from "./_generated/api";
import type { MutationCtx } from "./_generated/server";
import type { Actor } from "../src/component/validators.ts";

export interface AuditEntry {
  actor: Actor;
  action: string;
  outcome: string;
  projection?: string;
  rebuildId?: string;
  details?: string;
}

/** Writes the entry to the component's audit log, in the caller's transaction. */
export async function recordAudit(ctx: MutationCtx, entry: AuditEntry): Promise<void> {
  await ctx.runMutation(components.reproject.audit.record, entry);
}
