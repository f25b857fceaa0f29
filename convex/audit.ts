import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import type { Actor } from "./validators";

export interface AuditEntry {
  actor: Actor;
  action: string;
  outcome: string;
  projection?: string;
  rebuildId?: Id<"rebuilds">;
  details?: string;
}

export async function recordAudit(ctx: MutationCtx, entry: AuditEntry): Promise<void> {
  await ctx.db.insert("auditLog", { at: Date.now(), ...entry });
}
