// Who the panel acts as. Against the local runtime: a development identity (subject, name, role)
// sent as an unsigned token. Against a deployment: an ID token from an auth provider. Or nobody:
// the backend then refuses, and the panel says so.
import type { BackendConfig, DevIdentity } from "./config.ts";

export type Session =
  | { kind: "anonymous" }
  | { kind: "dev-identity"; identity: DevIdentity }
  /** A deployment: an ID token pasted into the sign-in form. */
  | { kind: "token"; token: string }
  /** A deployment: the token provider registered in deployment-auth.ts. */
  | { kind: "provider" };

const STORAGE_PREFIX = "reproject.session:";

/** The saved session for this backend, if any. Tokens only live as long as the tab. */
export function loadSession(config: BackendConfig): Session | null {
  const key = STORAGE_PREFIX + config.url;
  const saved = window.sessionStorage.getItem(key) ?? window.localStorage.getItem(key);
  if (!saved) return null;
  try {
    return parseSession(JSON.parse(saved));
  } catch {
    return null;
  }
}

export function saveSession(config: BackendConfig, session: Session | null): void {
  const key = STORAGE_PREFIX + config.url;
  window.localStorage.removeItem(key);
  window.sessionStorage.removeItem(key);
  if (!session) return;
  const storage = session.kind === "token" ? window.sessionStorage : window.localStorage;
  storage.setItem(key, JSON.stringify(session));
}

function parseSession(value: unknown): Session | null {
  if (typeof value !== "object" || value === null) return null;
  const session = value as Partial<Record<string, unknown>>;
  switch (session.kind) {
    case "anonymous":
    case "provider":
      return { kind: session.kind };
    case "token":
      return typeof session.token === "string" ? { kind: "token", token: session.token } : null;
    case "dev-identity": {
      const identity = session.identity as Partial<DevIdentity> | undefined;
      return typeof identity?.subject === "string" ? { kind: "dev-identity", identity: identity as DevIdentity } : null;
    }
    default:
      return null;
  }
}

/** How the top bar names the session. */
export function sessionLabel(session: Session): string {
  switch (session.kind) {
    case "anonymous":
      return "Not signed in";
    case "dev-identity":
      return session.identity.name ? `${session.identity.name} (${session.identity.subject})` : session.identity.subject;
    case "token":
      return tokenSubject(session.token) ?? "Signed in with a token";
    case "provider":
      return "Signed in";
  }
}

/** The `sub` claim of a JWT, read without checking anything (for display only). */
function tokenSubject(token: string): string | null {
  try {
    const payload = token.split(".")[1];
    if (!payload) return null;
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown; name?: unknown };
    const name = typeof claims.name === "string" ? claims.name : null;
    const subject = typeof claims.sub === "string" ? claims.sub : null;
    return name && subject ? `${name} (${subject})` : (subject ?? name);
  } catch {
    return null;
  }
}
