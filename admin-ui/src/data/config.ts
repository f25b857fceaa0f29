// Which backend the panel talks to: a Convex deployment when VITE_CONVEX_URL is set, else the local
// runtime (VITE_LOCAL_RUNTIME_URL, default loopback port 3210). Against the local runtime a
// `?runtime=<loopback URL>` parameter picks another local runtime (e.g. one per test file).
export const DEFAULT_LOCAL_RUNTIME_URL = "http://127.0.0.1:3210";

export type BackendConfig = { kind: "deployment"; url: string } | { kind: "local"; url: string };

/** A development identity for the local runtime: the claims its unsigned identity token carries. */
export interface DevIdentity {
  subject: string;
  name?: string;
  /** The role claim; the backend's REPROJECT_ADMIN_ROLE (default "admin") makes an admin. */
  role?: string;
}

const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function backendConfig(env: ImportMetaEnv = import.meta.env, search = window.location.search): BackendConfig {
  if (env.VITE_CONVEX_URL) return { kind: "deployment", url: stripSlash(env.VITE_CONVEX_URL) };
  const override = new URLSearchParams(search).get("runtime");
  if (override && isLoopbackHttpUrl(override)) return { kind: "local", url: stripSlash(override) };
  return { kind: "local", url: stripSlash(env.VITE_LOCAL_RUNTIME_URL || DEFAULT_LOCAL_RUNTIME_URL) };
}

export function backendDescription(config: BackendConfig = backendConfig()): string {
  return config.kind === "deployment" ? `Convex deployment ${config.url}` : `local runtime ${config.url}`;
}

/** The identity the local sign-in form starts with (the runtime's own example admin by default). */
export function devAdminIdentity(env: ImportMetaEnv = import.meta.env): DevIdentity {
  return {
    subject: env.VITE_DEV_ADMIN_SUBJECT || "local-admin",
    name: env.VITE_DEV_ADMIN_NAME || "Local admin",
    role: env.VITE_DEV_ADMIN_ROLE || "admin",
  };
}

function isLoopbackHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTNAMES.has(url.hostname);
  } catch {
    return false;
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
