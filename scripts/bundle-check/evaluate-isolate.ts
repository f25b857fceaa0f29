// Loads one module of the isolate bundle the way Convex's runtime does when it analyses a push: as
// an ES module in a fresh context (createIsolateContext), its chunk imports (`./_deps/X.js`) linked
// to the other files of the bundle and nothing else.
//
// Why `vm.SourceTextModule` (needs `node --experimental-vm-modules`): the bundles are ES modules
// that import each other, and it is the only way in Node to evaluate real ES modules inside another
// context with our own linker. Rewriting them into scripts or importing them with `import()` would
// either change what is evaluated or give them Node's globals.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { createIsolateContext, type IsolateContextOptions } from "./isolate-context.ts";

/** An import the Convex runtime cannot satisfy: a Node module, a package left out of the bundle. */
export class UnresolvableImportError extends Error {
  override name = "UnresolvableImportError";
  constructor(
    readonly specifier: string,
    readonly importer: string,
  ) {
    super(`${importer} imports "${specifier}", which the Convex runtime does not have`);
  }
}

export function sourceTextModuleAvailable(): boolean {
  return typeof (vm as { SourceTextModule?: unknown }).SourceTextModule === "function";
}

/**
 * Evaluates `isolateDir/modulePath` and returns its namespace. Throws what its top-level code
 * throws, or an UnresolvableImportError.
 */
export async function evaluateIsolateModule(
  isolateDir: string,
  modulePath: string,
  options: IsolateContextOptions = {},
): Promise<Record<string, unknown>> {
  const SourceTextModule = vm.SourceTextModule as typeof vm.SourceTextModule | undefined;
  if (!SourceTextModule) throw new Error("vm.SourceTextModule is missing: run Node with --experimental-vm-modules");
  const context = createIsolateContext(options);
  const loaded = new Map<string, vm.SourceTextModule>();
  const fileOf = new Map<vm.Module, string>();

  const load = (file: string): vm.SourceTextModule => {
    let module = loaded.get(file);
    if (!module) {
      module = new SourceTextModule(readFileSync(file, "utf8"), {
        identifier: pathToFileURL(file).href,
        context,
        importModuleDynamically: async (specifier, referencing) => {
          const target = link(specifier, referencing);
          if (target.status === "unlinked") await target.link(async (s, r) => link(s, r));
          if (target.status === "linked") await target.evaluate();
          return target;
        },
      });
      loaded.set(file, module);
      fileOf.set(module, file);
    }
    return module;
  };
  // For static imports Module#link() links what this returns itself, recursing into unlinked modules.
  const link = (specifier: string, referencing: vm.Module): vm.SourceTextModule => {
    const importer = fileOf.get(referencing)!;
    const target = resolve(dirname(importer), specifier);
    // Only the bundle's own files exist in the deployment's module map.
    if (!/^\.\.?\//.test(specifier) || !target.startsWith(isolateDir + "/") || !existsSync(target)) {
      throw new UnresolvableImportError(specifier, relative(isolateDir, importer));
    }
    return load(target);
  };

  const entry = load(resolve(isolateDir, modulePath));
  await entry.link(async (specifier, referencing) => link(specifier, referencing));
  await entry.evaluate();
  return entry.namespace as Record<string, unknown>;
}
