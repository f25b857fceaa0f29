// Imports one module of the Node bundle the way Convex's Node executor analyses it
// (npm-packages/node-executor/src/executor.ts, `analyzeModule`): a real `import()` in Node, with
// `globalThis.require` made relative to the module (esbuild's ESM output calls it for CommonJS
// dependencies) and `process.env` holding only PATH, PWD, LANG, NODE_PATH, TZ and the deployment's
// variables. Its packages come from the `node_modules` next to the bundle, where the deployment
// installs `convex.json`'s `node.externalPackages`; every bare import must be one of those.
import { builtinModules, createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import ts from "typescript";

/** The variables Convex's Node executor keeps from its own environment (`allowedEnvs`). */
const EXECUTOR_ENV = ["PATH", "PWD", "LANG", "NODE_PATH", "TZ", "UTC"];

const BUILTINS = new Set(builtinModules);

/** Bare imports of a bundle file that are neither Node built-ins nor among `installed` packages. */
export function uninstalledImports(file: string, installed: readonly string[]): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const missing = new Set<string>();
  for (const { fileName: specifier } of importedFiles) {
    if (/^\.\.?\//.test(specifier) || specifier.startsWith("node:") || BUILTINS.has(specifier.split("/")[0]!)) continue;
    const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
    if (!installed.includes(name)) missing.add(specifier);
  }
  return [...missing];
}

export async function importNodeModule(file: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const savedEnv = process.env;
  const savedRequire = (globalThis as { require?: unknown }).require;
  const sanitized: Record<string, string> = {};
  for (const name of EXECUTOR_ENV) if (savedEnv[name] !== undefined) sanitized[name] = savedEnv[name]!;
  process.env = { ...sanitized, ...env };
  (globalThis as { require?: unknown }).require = createRequire(file);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    process.env = savedEnv;
    (globalThis as { require?: unknown }).require = savedRequire;
  }
}
