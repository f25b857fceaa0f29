// Who the CLI acts as on the local runtime: an admin by the app's own rule (convex/auth.ts), i.e.
// holding REPROJECT_ADMIN_ROLE in the REPROJECT_ADMIN_ROLE_CLAIM claim, whatever they are set to.
import type { LocalIdentity } from "../local/runtime/identity.ts";

export function localAdminIdentity(subject: string, name: string): LocalIdentity {
  const claim = process.env.REPROJECT_ADMIN_ROLE_CLAIM ?? "role";
  const role = process.env.REPROJECT_ADMIN_ROLE ?? "admin";
  return { subject, name, [claim]: role };
}
