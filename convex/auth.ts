// Who may run admin functions: an authenticated identity whose subject is listed in
// REPROJECT_ADMIN_SUBJECTS (comma-separated), or whose role claim (REPROJECT_ADMIN_ROLE_CLAIM,
// default "role") holds REPROJECT_ADMIN_ROLE (default "admin"), as a string or in a list.
import { ConvexError } from "convex/values";
import type { Auth } from "convex/server";
import type { Actor } from "../src/component/validators.ts";

export const ANONYMOUS: Actor = { subject: "anonymous" };

export type Authorization = { allowed: true; actor: Actor } | { allowed: false; actor: Actor; reason: string };

export async function authorizeAdmin(ctx: { auth: Auth }): Promise<Authorization> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity)
    return {
      allowed: false,
      actor: ANONYMOUS,
      reason: "not signed in: admin functions need an authenticated identity",
    };
  const actor: Actor = { subject: identity.subject, ...(identity.name ? { name: identity.name } : {}) };
  const subjects = (process.env.REPROJECT_ADMIN_SUBJECTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (subjects.includes(identity.subject)) return { allowed: true, actor };
  const claim = process.env.REPROJECT_ADMIN_ROLE_CLAIM ?? "role";
  const role = process.env.REPROJECT_ADMIN_ROLE ?? "admin";
  const value = (identity as Record<string, unknown>)[claim];
  const roles = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[\s,]+/) : [];
  if (roles.includes(role)) return { allowed: true, actor };
  return { allowed: false, actor, reason: `${identity.subject} does not have the ${role} role` };
}

/** For queries, which cannot write an audit entry: refuse by throwing. */
export async function requireAdminForRead(ctx: { auth: Auth }): Promise<Actor> {
  const authorization = await authorizeAdmin(ctx);
  if (!authorization.allowed) throw new ConvexError({ code: "forbidden", message: authorization.reason });
  return authorization.actor;
}
