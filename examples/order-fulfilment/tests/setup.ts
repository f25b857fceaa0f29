/// <reference types="vite/client" />
// The app under convex-test, with Reproject's component and its replay Workpool registered, and an
// archive of the app's history imported with the `reproject` CLI, as an operator would.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convexTest } from "convex-test";
import reprojectTest from "reproject/test";
import schema from "../convex/schema";
import { toJsonLines, type HistoryEvent } from "./history";

// Two dots in a name (api.d.ts) mark files that are not functions.
const modules = import.meta.glob(["../convex/**/*.*s", "!../convex/**/*.*.*s"]);

export function createApp() {
  // Refusing what a deployment refuses: oversized documents, arguments and results.
  const checked = reprojectTest.limitCheckedModules(modules, { nodeModules: ["reprojectNode"] });
  const t = convexTest({ schema, modules: checked });
  reprojectTest.register(t);
  return t;
}

/** Imports `events` into a new Iceberg table with `reproject archive import`; answers its location and last position. */
export function importHistory(events: readonly HistoryEvent[]): { archive: string; lastPosition: number } {
  const scratch = mkdtempSync(join(tmpdir(), "orders-history-"));
  const file = join(scratch, "history.jsonl");
  writeFileSync(file, toJsonLines(events));
  const archive = join(scratch, "archive");
  const output = execFileSync(
    "node_modules/.bin/reproject",
    ["archive", "import", archive, "--envelope", "convex/envelope.ts", "--from", file],
    { encoding: "utf8" },
  );
  return { archive, lastPosition: JSON.parse(output).lastPosition };
}
