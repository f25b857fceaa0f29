// The bundle check: the app's functions bundled by its own Convex CLI, then every module loaded the
// way a deployment loads it at push (isolate modules in a context without Node, Node modules in
// Node), and what each exports compared with what its source declares. Problems are collected for
// every module, not only the first, and each says which module, what is wrong and what to do.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { SourceMap } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AUTH_CONFIG_MODULE, authConfigProblems, missingAuthEnvMessage } from "./auth-config.ts";
import { evaluateIsolateModule, UnresolvableImportError } from "./evaluate-isolate.ts";
import { importNodeModule, uninstalledImports } from "./import-node.ts";
import { ImportTimeRefusal, NODE_ONLY_GLOBALS } from "./isolate-context.ts";
import { BundlerFailure, bundleConvexApp, type BundledModule, type ConvexBundle } from "./run-bundler.ts";
import { sourceFileOf, sourceValueExports } from "./source-exports.ts";

export type FunctionKind = "query" | "mutation" | "action" | "httpAction";

export interface DeclaredFunction {
  name: string;
  kind: FunctionKind;
  visibility: "public" | "internal" | null;
}

export interface BundleProblem {
  /** The source module (relative to the app root) or, without one, the bundle module. */
  module: string;
  problem: string;
  fix: string;
}

export interface CheckedModule {
  /** Relative to the functions directory, as in fullConfig.json (`replay/chunk.js`). */
  path: string;
  environment: "isolate" | "node";
  /** The source file, relative to the app root. */
  source: string | undefined;
  functions: DeclaredFunction[];
}

export interface BundleCheckReport {
  appRoot: string;
  ok: boolean;
  problems: BundleProblem[];
  modules: CheckedModule[];
  /** The CLI's output: where esbuild's own error is when bundling failed. */
  bundlerOutput: string;
  /** With `keepBundle`: where the bundle is (`isolate/`, `node/`, `fullConfig.json`); the caller deletes it. */
  bundleDir?: string;
  timings: { bundleMs: number; isolateMs: number; nodeMs: number };
}

export interface BundleCheckOptions {
  /** The deployment's environment variables, as both runtimes would show them in `process.env`. */
  env?: Record<string, string>;
  /** Keep the bundle directory (its path is in the log) instead of deleting it. */
  keepBundle?: boolean;
  log?: (line: string) => void;
}

export async function checkConvexBundle(appRoot: string, options: BundleCheckOptions = {}): Promise<BundleCheckReport> {
  const root = resolve(appRoot);
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(join(tmpdir(), "convex-bundle-check-"));
  const report: BundleCheckReport = {
    appRoot: root,
    ok: false,
    problems: [],
    modules: [],
    bundlerOutput: "",
    timings: { bundleMs: 0, isolateMs: 0, nodeMs: 0 },
  };
  try {
    let bundle: ConvexBundle;
    try {
      bundle = await bundleConvexApp(root, workDir);
    } catch (error) {
      if (!(error instanceof BundlerFailure)) throw error;
      report.bundlerOutput = error.output;
      report.timings.bundleMs = error.durationMs;
      report.problems.push(...bundlerProblems(error, root));
      return report;
    }
    report.bundlerOutput = bundle.output;
    if (options.keepBundle) report.bundleDir = bundle.dir;
    report.timings.bundleMs = bundle.durationMs;
    log(`bundled ${bundle.modules.length} modules in ${Math.round(bundle.durationMs)} ms${options.keepBundle ? ` (kept in ${bundle.dir})` : ""}`);

    const checker = new ModuleChecker(root, bundle, options.env ?? {}, report);
    let started = performance.now();
    for (const module of entryModules(bundle, "isolate")) await checker.checkIsolate(module);
    report.timings.isolateMs = performance.now() - started;

    // Where a deployment installs the external packages; here the app's own node_modules (or the
    // nearest one above it, for an app inside a workspace).
    const nodeModules = nearestNodeModules(root);
    if (nodeModules) symlinkSync(nodeModules, join(bundle.dir, "node_modules"), "dir");
    started = performance.now();
    for (const module of entryModules(bundle, "node")) await checker.checkNode(module);
    report.timings.nodeMs = performance.now() - started;

    report.ok = report.problems.length === 0;
    return report;
  } finally {
    if (!options.keepBundle) rmSync(workDir, { recursive: true, force: true });
  }
}

function nearestNodeModules(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules");
    if (dirname(dir) === dir) return undefined;
  }
}

/** Entry points only: `_deps/` chunks are evaluated as the entry points' imports. */
function entryModules(bundle: ConvexBundle, environment: "isolate" | "node"): BundledModule[] {
  return bundle.modules.filter((module) => module.environment === environment && !module.path.startsWith("_deps/"));
}

class ModuleChecker {
  constructor(
    private readonly appRoot: string,
    private readonly bundle: ConvexBundle,
    private readonly env: Record<string, string>,
    private readonly report: BundleCheckReport,
  ) {}

  async checkIsolate(module: BundledModule): Promise<void> {
    const checked = this.checkedModule(module);
    const name = checked.source ?? `isolate/${module.path}`;
    const isolateDir = join(this.bundle.dir, "isolate");
    const authConfig = module.path === AUTH_CONFIG_MODULE;
    let namespace: Record<string, unknown>;
    try {
      namespace = await evaluateIsolateModule(isolateDir, module.path, { env: this.env, ...(authConfig ? { missingEnv: missingAuthEnvMessage } : {}) });
    } catch (error) {
      this.problem(name, ...this.explainIsolateFailure(error, module));
      return;
    }
    this.inspectExports(checked, namespace);
    if (authConfig) {
      for (const problem of authConfigProblems(namespace.default)) {
        this.problem(name, `a deployment refuses this auth config: ${problem}`, "see https://docs.convex.dev/auth/advanced/custom-auth for the providers' fields");
      }
    }
  }

  async checkNode(module: BundledModule): Promise<void> {
    const checked = this.checkedModule(module);
    const name = checked.source ?? `node/${module.path}`;
    const file = join(this.bundle.dir, "node", module.path);
    const installed = this.bundle.nodeDependencies.map((dependency) => dependency.name);
    for (const specifier of uninstalledImports(file, installed)) {
      this.problem(
        name,
        `its Node bundle imports "${specifier}", which a deployment does not install (convex.json node.externalPackages: ${JSON.stringify(installed)})`,
        `add "${specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]}" to node.externalPackages in convex.json, or let the bundler include it`,
      );
    }
    let namespace: Record<string, unknown>;
    try {
      namespace = await importNodeModule(file, this.env);
    } catch (error) {
      const at = this.locate(error);
      this.problem(
        name,
        `importing its Node bundle threw ${describe(error)}${at ? ` (at ${at.where}${at.line ? `: ${excerpt(at.line)}` : ""})` : ""}`,
        /Cannot find (package|module)/.test(String((error as Error)?.message))
          ? "add the package to the app's dependencies and to node.externalPackages in convex.json"
          : "fix the module's top-level code: a deployment imports it once at push",
      );
      return;
    }
    this.inspectExports(checked, namespace);
    for (const fn of checked.functions) {
      if (fn.kind !== "action") {
        this.problem(
          name,
          `\`${fn.name}\` is a ${fn.kind} in a "use node" file: only actions can be defined in Node.js, so a deployment refuses the push`,
          `move \`${fn.name}\` into a file without "use node"`,
        );
      }
    }
  }

  private checkedModule(module: BundledModule): CheckedModule {
    const source = sourceFileOf(this.bundle.functionsDir, module.path);
    const checked: CheckedModule = {
      path: module.path,
      environment: module.environment,
      source: source ? relative(this.appRoot, source) : undefined,
      functions: [],
    };
    this.report.modules.push(checked);
    return checked;
  }

  /** Every value the source exports must be in the bundle; Convex functions are registered as Convex reads them. */
  private inspectExports(checked: CheckedModule, namespace: Record<string, unknown>): void {
    const name = checked.source ?? `${checked.environment}/${checked.path}`;
    if (checked.source) {
      const declared = sourceValueExports(join(this.appRoot, checked.source));
      for (const exported of declared) {
        if (!(exported in namespace)) {
          this.problem(
            name,
            `exports \`${exported}\`, but its bundle ${checked.environment}/${checked.path} does not`,
            "check that the export is a runtime value (not a type) and that no bundler plugin drops it",
          );
        }
      }
    }
    for (const [exported, value] of Object.entries(namespace)) {
      const kind = functionKind(value);
      if (!kind) continue;
      const fn = value as Record<string, unknown>;
      for (const part of ["exportArgs", "exportReturns"] as const) {
        if (typeof fn[part] !== "function") continue;
        try {
          JSON.parse((fn[part] as () => string).call(fn));
        } catch (error) {
          this.problem(name, `\`${exported}\`.${part}() fails: ${describe(error)}`, `fix the ${part === "exportArgs" ? "args" : "returns"} validator of \`${exported}\``);
        }
      }
      const visibility = has(fn, "isPublic") ? "public" : has(fn, "isInternal") ? "internal" : null;
      checked.functions.push({ name: exported, kind, visibility });
    }
    const base = checked.path.replace(/\.js$/, "");
    if (base === "crons") this.checkDefaultExport(name, namespace, "isCrons", "export", "a Crons object (cronJobs())");
    if (base === "http") this.checkDefaultExport(name, namespace, "isRouter", "getRoutes", "an HTTP router (httpRouter())");
  }

  private checkDefaultExport(name: string, namespace: Record<string, unknown>, flag: string, method: string, what: string): void {
    const value = namespace.default as Record<string, unknown> | undefined;
    if (!value || value[flag] !== true || typeof value[method] !== "function") {
      this.problem(name, `its default export is not ${what}`, `\`export default\` ${what}`);
      return;
    }
    try {
      (value[method] as () => unknown).call(value);
    } catch (error) {
      this.problem(name, `its default export's ${method}() fails: ${describe(error)}`, `fix the definitions in ${name}`);
    }
  }

  private explainIsolateFailure(error: unknown, module: BundledModule): [string, string] {
    if (error instanceof UnresolvableImportError) {
      const nodeModule = /^node:/.test(error.specifier) || NODE_BUILTIN.test(error.specifier);
      return [
        `its bundle isolate/${module.path} imports "${error.specifier}" (from ${error.importer}), which the Convex runtime does not have`,
        nodeModule
          ? `move the code that needs "${error.specifier}" into a "use node" file (actions only)`
          : "the Convex runtime loads only bundled code: remove the import or move the code into a \"use node\" file",
      ];
    }
    const at = this.locate(error);
    const where = at ? ` (at ${at.where}${at.line ? `: ${excerpt(at.line)}` : ""})` : "";
    const message = describe(error);
    const undefinedName = /^ReferenceError: (\S+) is not defined/.exec(message)?.[1];
    if (undefinedName) {
      const advice = NODE_ONLY_GLOBALS[undefinedName];
      return [
        `evaluating it in the Convex runtime threw ${message}${where}: the Convex runtime has no global \`${undefinedName}\`${advice ? " (a Node global)" : ""}`,
        `${advice ? `${advice}; ` : ""}or move the code into a "use node" file (actions only), or run it inside a function instead of at module top level`,
      ];
    }
    const unsetVariable = /Environment variable (\S+) is used in auth config file but its value was not set/.exec(message)?.[1];
    if (unsetVariable) {
      return [
        `evaluating it threw ${message}${where}: a deployment without ${unsetVariable} refuses the push`,
        `set it on the deployment (npx convex env set ${unsetVariable} ...) and give it to this check (--env ${unsetVariable}=...)`,
      ];
    }
    if (error instanceof ImportTimeRefusal || /at import time/.test(message)) {
      return [
        `evaluating it in the Convex runtime threw ${message}${where}: Convex refuses this while it loads modules at push`,
        "do it inside a function (handler), not at module top level",
      ];
    }
    if (/\bprocess\b(?!\.env\b)/.test(at?.line ?? "") || /\bprocess\b/.test(message)) {
      return [
        `evaluating it in the Convex runtime threw ${message}${where}: there \`process\` has only \`env\``,
        "use process.version, process.cwd() and the like only in a \"use node\" file (actions only); top-level code of other files gets process.env alone",
      ];
    }
    return [
      `evaluating it in the Convex runtime threw ${message}${where}`,
      "fix the module's top-level code so it runs without Node's globals and modules, or move it into a \"use node\" file (actions only)",
    ];
  }

  /** The first frame inside the bundle, mapped back to the app's source through the bundle's source map. */
  private locate(error: unknown): SourceLocation | undefined {
    const stack = String((error as Error)?.stack ?? "");
    const bundleDir = this.bundle.dir;
    for (const match of stack.matchAll(/(file:\/\/[^\s)]+|\/[^\s):]+\.js):(\d+):(\d+)/g)) {
      const file = match[1]!.startsWith("file:") ? fileURLToPath(match[1]!) : match[1]!;
      if (!file.startsWith(bundleDir + "/") || !existsSync(`${file}.map`)) continue;
      try {
        const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
        const entry = map.findEntry(Number(match[2]) - 1, Number(match[3]) - 1) as {
          originalSource?: string;
          originalLine?: number;
          originalColumn?: number;
        };
        if (!entry.originalSource) continue;
        // Sources are relative to where esbuild wrote the module: `<app>/out/<module's folder>`.
        const environmentRelative = relative(bundleDir, file).split("/").slice(1).join("/");
        const original = resolve(this.appRoot, "out", dirname(environmentRelative), entry.originalSource);
        const line = existsSync(original) ? readFileSync(original, "utf8").split("\n")[entry.originalLine!]?.trim() : undefined;
        return { where: `${relative(this.appRoot, original)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`, line };
      } catch {
        continue;
      }
    }
    return undefined;
  }

  private problem(module: string, problem: string, fix: string): void {
    this.report.problems.push({ module, problem, fix });
  }
}

const NODE_BUILTIN = /^(assert|buffer|child_process|crypto|dns|events|fs|http|https|net|os|path|stream|string_decoder|timers|tls|url|util|worker_threads|zlib)(\/|$)/;

/** One problem per esbuild error (`✘ [ERROR] Could not resolve "node:fs"` then `convex/x.ts:2:29:`), else the CLI's own message. */
function bundlerProblems(error: BundlerFailure, appRoot: string): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const match of error.output.matchAll(/✘ \[ERROR\] (.+)\n\s*\n\s*(\S+?):(\d+):(\d+):/g)) {
    const [, text, file, line, column] = match as unknown as [string, string, string, string, string];
    const module = relative(appRoot, resolve(appRoot, file));
    // esbuild prints 0-based columns; the rest of the report counts from 1, as editors do.
    const where = `${module}:${line}:${Number(column) + 1}`;
    const unresolved = /^Could not resolve "([^"]+)"/.exec(text)?.[1];
    if (unresolved && (unresolved.startsWith("node:") || NODE_BUILTIN.test(unresolved))) {
      problems.push({
        module,
        problem:
          `the Convex bundler cannot bundle it for the Convex runtime: it imports "${unresolved}", a Node module, at ${where}, ` +
          `and it is (or is imported by) a file without "use node"`,
        fix: `move the code that needs "${unresolved}" into a file that starts with "use node" and contains only actions`,
      });
    } else if (unresolved) {
      problems.push({
        module,
        problem: `the Convex bundler cannot resolve "${unresolved}" imported at ${where}`,
        fix: `install "${unresolved}" in the app (npm install) or fix the import path`,
      });
    } else {
      problems.push({ module, problem: `the Convex bundler refused it: ${text} (at ${where})`, fix: "fix the code esbuild points at (the CLI output follows)" });
    }
  }
  if (problems.length > 0) return problems;
  const cliMessage = error.output
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line.startsWith("✖") && line.length > 2);
  return [
    {
      module: "(bundler)",
      problem: `${error.message}${cliMessage ? `: ${cliMessage.replace(/^✖\s*/, "")}` : ""}`,
      fix: "read the Convex CLI output below and fix what it names",
    },
  ];
}

interface SourceLocation {
  /** `convex/x.ts:2:15`, relative to the app root. */
  where: string;
  /** The source line there, trimmed. */
  line: string | undefined;
}

function excerpt(line: string): string {
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

function functionKind(value: unknown): FunctionKind | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  // The properties Convex's own analysis looks at (node-executor `analyzeModule`, analyze.rs `udf_analyze`).
  if (has(value, "isAction")) return "action";
  if (has(value, "isQuery")) return "query";
  if (has(value, "isMutation")) return "mutation";
  if (has(value, "isHttp")) return "httpAction";
  return undefined;
}

function has(value: object, property: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, property);
}

function describe(error: unknown): string {
  if (error && typeof error === "object" && "name" in error && "message" in error) return `${String(error.name)}: ${String(error.message)}`;
  return String(error);
}

/** One line per problem, for a terminal or CI log. */
export function formatReport(report: BundleCheckReport): string {
  const lines: string[] = [];
  const functions = report.modules.reduce((sum, module) => sum + module.functions.length, 0);
  const isolate = report.modules.filter((module) => module.environment === "isolate").length;
  const node = report.modules.length - isolate;
  const { bundleMs, isolateMs, nodeMs } = report.timings;
  if (report.ok) {
    lines.push(
      `Convex bundle check passed for ${report.appRoot}: ${isolate} Convex-runtime and ${node} Node modules, ${functions} functions ` +
        `(bundle ${ms(bundleMs)}, isolate evaluation ${ms(isolateMs)}, Node imports ${ms(nodeMs)})`,
    );
    return lines.join("\n");
  }
  lines.push(`Convex bundle check FAILED for ${report.appRoot}: ${report.problems.length} problem(s)`);
  for (const { module, problem, fix } of report.problems) lines.push(`  ${module}: ${problem}\n    fix: ${fix}`);
  if (report.modules.length === 0 && report.bundlerOutput) lines.push("", "Convex CLI output:", report.bundlerOutput.trim());
  return lines.join("\n");
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
