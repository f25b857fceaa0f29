// The Convex modules of a functions folder, found by listing it (what `import.meta.glob` does under
// Vite, which a plain Node process does not have).
import { readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";

import type { ModuleExports } from "../../convex-test/registered-functions.ts";

export type { ModuleExports };
export type ModuleLoader = () => Promise<ModuleExports>;

/** A module name with one extension: `test.setup.ts`, `*.test.ts`, `convex.config.ts` and `*.d.ts` are not modules. */
const MODULE_FILE = /^[^.]+\.[cm]?[jt]s$/;

/**
 * Loaders of the modules under `directory`, keyed by Convex module path (`reproject`,
 * `nested/module`), the part of a function path before the colon.
 */
export function listModules(directory: string): Map<string, ModuleLoader> {
  const modules = new Map<string, ModuleLoader>();
  const files = readdirSync(directory, { recursive: true, encoding: "utf8" }).sort();
  for (const file of files) {
    const fileName = file.split(sep).at(-1) ?? "";
    if (!MODULE_FILE.test(fileName)) continue;
    const modulePath = file
      .split(sep)
      .join("/")
      .replace(/\.[^.]+$/, "");
    const url = pathToFileURL(join(directory, file)).href;
    modules.set(modulePath, () => import(url) as Promise<ModuleExports>);
  }
  return modules;
}

/**
 * The module map convex-test takes: keys relative to the functions folder with an extension, which
 * it strips; it finds the folder's root through the key that contains `_generated`.
 */
export function convexTestModuleMap(modules: Map<string, ModuleLoader>): Record<string, ModuleLoader> {
  if (![...modules.keys()].some((modulePath) => modulePath.startsWith("_generated/"))) {
    throw new Error("The functions folder has no _generated/ modules: run `npm run codegen` first");
  }
  return Object.fromEntries([...modules].map(([modulePath, load]) => [`./${modulePath}.js`, load]));
}

/** Memoizes a loader's result, so a module is imported (and wrapped) once. */
export function loadOnce(load: () => Promise<ModuleExports>): ModuleLoader {
  let loaded: Promise<ModuleExports> | undefined;
  return () => (loaded ??= load());
}
