// The admin panel for the demo: Vite's dev server for admin-ui/, pointed at the demo's local runtime,
// with its sign-in form prefilled with the demo's admin identity.
import { join } from "node:path";
import { PROJECT_ROOT } from "./demo-layout.ts";

export interface AdminPanel {
  url: string;
  close(): Promise<void>;
}

export interface DevAdmin {
  subject: string;
  name: string;
  role: string;
}

export async function startAdminPanel(options: { runtimeUrl: string; port: number; admin: DevAdmin }): Promise<AdminPanel> {
  // Vite hands VITE_* variables of its environment to the page when it resolves its config.
  Object.assign(process.env, {
    VITE_LOCAL_RUNTIME_URL: options.runtimeUrl,
    VITE_DEV_ADMIN_SUBJECT: options.admin.subject,
    VITE_DEV_ADMIN_NAME: options.admin.name,
    VITE_DEV_ADMIN_ROLE: options.admin.role,
  });
  // Loaded only here: a headless demo never needs Vite (a dev dependency).
  const { createServer } = await import("vite");
  const server = await createServer({
    configFile: join(PROJECT_ROOT, "admin-ui", "vite.config.ts"),
    server: { port: options.port, strictPort: true, host: "127.0.0.1" },
    logLevel: "warn",
  });
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw new Error(`the admin panel cannot listen on 127.0.0.1:${options.port} (${(error as Error).message}); pick another with --port`);
  }
  return { url: `http://127.0.0.1:${options.port}/`, close: () => server.close() };
}
