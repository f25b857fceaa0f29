#!/usr/bin/env node
// Regenerates convex/_generated without a deployment. `convex codegen --system-udfs` works offline
// but leaves out the component API, so the replayPool component is appended here.
import { execFileSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";

execFileSync("npx", ["convex", "codegen", "--system-udfs", "--typecheck", "disable"], {
  stdio: "inherit",
});

const generated = new URL("../convex/_generated/", import.meta.url);
const marker = "export declare const components";
if (!readFileSync(new URL("api.d.ts", generated), "utf8").includes(marker)) {
  appendFileSync(
    new URL("api.d.ts", generated),
    `
${marker}: {
  replayPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"replayPool">;
};
`,
  );
  appendFileSync(
    new URL("api.js", generated),
    `
import { componentsGeneric } from "convex/server";
export const components = componentsGeneric();
`,
  );
}
