import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // VITE_* variables come from the environment (and from .env files next to this config).
  plugins: [react()],
  server: { host: "127.0.0.1" },
  // Pre-bundled up front, so that the first page load never finds a new dependency and reloads.
  optimizeDeps: {
    include: [
      "react",
      "react/jsx-runtime",
      "react/jsx-dev-runtime",
      "react-dom/client",
      "@tanstack/react-query",
      "@convex-dev/react-query",
      "convex/browser",
      "convex/react",
      "convex/server",
      "convex/values",
    ],
  },
  build: { outDir: "dist", emptyOutDir: true },
});
