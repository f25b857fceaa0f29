import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./test/support/longest-first-sequencer.ts";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One project per kind of test; each runs alone with `npx vitest run --project NAME`.
export default defineConfig({
  // The demo imports Reproject by its package names, as an app does (tsconfig.json "paths" too).
  resolve: {
    alias: [
      { find: /^reproject$/, replacement: source("src/registry/index.ts") },
      { find: /^reproject\/server$/, replacement: source("src/server/index.ts") },
      { find: /^reproject\/node$/, replacement: source("src/node/index.ts") },
      { find: /^reproject\/convex\.config$/, replacement: source("src/component/convex.config.ts") },
      { find: /^reproject\/react$/, replacement: source("src/react/index.ts") },
      { find: /^reproject\/test$/, replacement: source("src/test.ts") },
    ],
  },
  test: {
    // Vitest's default is one worker less than the cores: on CI's 2 cores, one worker running every
    // file after the other while the second core idles. The files of all projects share these two
    // workers (e2e's run one at a time, after the others: fileParallelism below).
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    // The AWS SDK warns under Node 20 about its 2027 plans on every run; it is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "convex",
          environment: "edge-runtime",
          include: ["test/convex/**/*.test.ts"],
          server: { deps: { inline: ["convex-test"] } },
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // The pinned Convex CLI bundles the apps' functions; each check is its own process.
          name: "bundle",
          environment: "node",
          include: ["test/bundle/**/*.test.ts"],
          globalSetup: ["test/support/example-global-setup.ts"],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "archive",
          environment: "node",
          include: ["test/archive/**/*.test.ts"],
          globalSetup: ["test/support/s3-global-setup.ts"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "reliability",
          environment: "node",
          include: ["test/reliability/**/*.test.ts"],
          server: { deps: { inline: ["convex-test"] } },
          globalSetup: ["test/support/s3-global-setup.ts"],
          testTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/browser-global-setup.ts", "test/support/example-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
