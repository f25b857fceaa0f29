// Which backend the panel talks to: a Convex deployment when VITE_CONVEX_URL is set, else the
// local runtime (VITE_LOCAL_RUNTIME_URL, default loopback port 3210).
export const DEFAULT_LOCAL_RUNTIME_URL = "http://127.0.0.1:3210";

export function backendDescription(): string {
  const deployment = import.meta.env.VITE_CONVEX_URL as string | undefined;
  if (deployment) return `Convex deployment ${deployment}`;
  const local = (import.meta.env.VITE_LOCAL_RUNTIME_URL as string | undefined) ?? DEFAULT_LOCAL_RUNTIME_URL;
  return `local runtime ${local}`;
}
