// Ready-made admin checks for `defineReproject({ authorize })`. An app with its own notion of
// administrators writes its own `AuthorizeAdmin` instead (README "Add Reproject to your Convex app").
import { ConvexError } from "convex/values";
import type { Auth } from "convex/server";
import type { Actor } from "../component/validators.ts";
import type { AuthorizeAdmin, Authorization } from "./config.ts";

export const ANONYMOUS: Actor = { subject: "anonymous" };

/**
 * An authenticated identity whose subject is listed in REPROJECT_ADMIN_SUBJECTS (comma-separated),
 * or whose role claim (REPROJECT_ADMIN_ROLE_CLAIM, default "role") holds REPROJECT_ADMIN_ROLE
 * (default "admin"), as a string or in a list.
 */
export function adminFromEnvironment(): AuthorizeAdmin {
  return async (ctx) => {
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
  };
}

/** For queries, which cannot write an audit entry: refuse by throwing. */
export async function requireAdminForRead(authorize: AuthorizeAdmin, ctx: { auth: Auth }): Promise<Actor> {
  const authorization: Authorization = await authorize(ctx);
  if (!authorization.allowed) throw new ConvexError({ code: "forbidden", message: authorization.reason });
  return authorization.actor;
}
