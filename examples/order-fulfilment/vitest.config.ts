import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    include: ["tests/**/*.test.ts"],
    // convex-test and reproject/test load Convex modules with import.meta.glob, which Vite transforms.
    server: { deps: { inline: ["convex-test", "reproject"] } },
    testTimeout: 120_000,
    // The set-up imports the history into an archive with the CLI: seconds on a busy machine.
    hookTimeout: 120_000,
  },
});
