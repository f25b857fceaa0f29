/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A Convex deployment URL (https://<name>.convex.cloud): the panel talks to it instead of the local runtime. */
  readonly VITE_CONVEX_URL?: string;
  /** The local runtime's base URL when no deployment is configured (default http://127.0.0.1:3210). */
  readonly VITE_LOCAL_RUNTIME_URL?: string;
  /** The dev admin identity the local sign-in form is prefilled with. */
  readonly VITE_DEV_ADMIN_SUBJECT?: string;
  readonly VITE_DEV_ADMIN_NAME?: string;
  readonly VITE_DEV_ADMIN_ROLE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
