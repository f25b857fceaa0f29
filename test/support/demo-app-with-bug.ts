// The demo app as deployed with a handler bug, for a local runtime (`--convex-dir`): a copy of
// `convex/` whose projections module is the demo's with sessionSummary throwing for one event id
// (test/support/handler-bug.ts). Running the real `convex/` on the same persisted state afterwards
// is deploying the fix. The copy sits inside the project, so that it resolves `reproject` as
// `convex/` does.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const DEMO_APP = fileURLToPath(new URL("../../convex/", import.meta.url));
const SCRATCH = fileURLToPath(new URL("../../test-results/", import.meta.url));
const DEMO_PROJECTIONS = join(DEMO_APP, "projections.ts");
const HANDLER_BUG = fileURLToPath(new URL("./handler-bug.ts", import.meta.url));

/** A functions folder for the demo with sessionSummary's handlers throwing for `failingEventId`. */
export function demoAppWithHandlerBug(failingEventId: string): string {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = join(mkdtempSync(join(SCRATCH, "demo-app-with-bug-")), "convex");
  cpSync(DEMO_APP, dir, { recursive: true, filter: (source) => basename(source) !== "test.setup.ts" });
  writeFileSync(
    join(dir, "projections.ts"),
    [
      `import * as demo from ${JSON.stringify(DEMO_PROJECTIONS)};`,
      `import { withHandlerBug } from ${JSON.stringify(HANDLER_BUG)};`,
      `export const { playbackEvents, rebufferByCdn, sessionSummary, registry } = withHandlerBug(demo, {`,
      `  failingEventId: ${JSON.stringify(failingEventId)},`,
      `});`,
      "",
    ].join("\n"),
  );
  return dir;
}
