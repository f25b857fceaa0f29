// A JavaScript context shaped like the one Convex's runtime gives a module while it analyses a push
// (crates/isolate/src/environment/analyze.rs in get-convex/convex-backend): a fresh V8 context per
// module with the web APIs of npm-packages/udf-runtime/src/setup.ts and nothing of Node.
//
// A `node:vm` context starts with V8's own globals only (the ECMAScript built-ins, WebAssembly and
// a console that prints nothing): no Buffer, require, module, global, __dirname, setImmediate,
// queueMicrotask, and no `node:*` modules (the linker refuses every import that is not another
// bundle chunk). On top of that this adds exactly what setup.ts installs, with the behaviour the
// analysis phase gives them: Date and Math.random work, console works, process has only `env`,
// while timers, fetch and cryptographic randomness are refused at import time as Convex refuses them.
//
// The implementations are Node's (the host realm), so a value they return is an instance of the
// host's classes: `new TextEncoder().encode("") instanceof Uint8Array` is false inside the context.
// Top-level code rarely depends on that; what this context exists to catch is a name that is not
// there at all.
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { webcrypto } from "node:crypto";
import { Blob, File } from "node:buffer";
import vm from "node:vm";

/** The globals Convex's runtime installs (udf-runtime `setup.ts`), beyond V8's built-ins. */
export const CONVEX_RUNTIME_GLOBALS = [
  "process",
  "self",
  "URL",
  "URLSearchParams",
  "Crypto",
  "SubtleCrypto",
  "crypto",
  "DOMException",
  "console",
  "Event",
  "EventTarget",
  "structuredClone",
  "setTimeout",
  "setInterval",
  "clearTimeout",
  "clearInterval",
  "AbortController",
  "AbortSignal",
  "AsyncLocalStorage",
  "AsyncResource",
  "ReadableStream",
  "ReadableStreamBYOBReader",
  "ReadableStreamDefaultReader",
  "TransformStream",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "TextEncoder",
  "TextDecoder",
  "TextEncoderStream",
  "TextDecoderStream",
  "atob",
  "btoa",
  "Blob",
  "File",
  "Headers",
  "FormData",
  "Request",
  "Response",
  "fetch",
  "Performance",
  "PerformanceEntry",
  "PerformanceMark",
  "PerformanceMeasure",
  "performance",
] as const;

/** Node globals that code written for Node touches at module top level, and what to do instead. */
export const NODE_ONLY_GLOBALS: Record<string, string> = {
  Buffer: "use Uint8Array with TextEncoder/TextDecoder or atob/btoa",
  require: "use an `import` (bundled), or move the code into a \"use node\" file",
  module: "write an ES module (`export`)",
  exports: "write an ES module (`export`)",
  global: "use globalThis",
  __dirname: "there is no file system in the Convex runtime",
  __filename: "there is no file system in the Convex runtime",
  setImmediate: "use Promise.resolve().then(...) inside a function",
  clearImmediate: "use Promise.resolve().then(...) inside a function",
  queueMicrotask: "use Promise.resolve().then(...)",
};

/** Thrown by the APIs Convex refuses while it loads modules; the message is Convex's. */
export class ImportTimeRefusal extends Error {
  override name = "ImportTimeRefusal";
}

export interface IsolateContextOptions {
  /** The deployment's environment variables as `process.env` shows them (all strings). */
  env?: Record<string, string>;
  /** Receives console output of module top-level code (Convex keeps it to show with a failed push). */
  log?: (line: string) => void;
  /** Reading a variable that is not set throws with this message (how Convex evaluates auth.config). */
  missingEnv?: (name: string) => string;
}

export function createIsolateContext(options: IsolateContextOptions = {}): vm.Context {
  const env = { ...options.env };
  const log = options.log ?? (() => {});
  const refuse = (what: string) => () => {
    throw new ImportTimeRefusal(`${what} unsupported at import time`);
  };
  const refuseRandomness = () => {
    throw new ImportTimeRefusal("Cannot use cryptographic randomness at import time");
  };
  const print = (...args: unknown[]) => log(args.map((arg) => (typeof arg === "string" ? arg : safeInspect(arg))).join(" "));
  const timeOrigin = Date.now();

  const crypto = Object.freeze({
    getRandomValues: refuseRandomness,
    randomUUID: refuseRandomness,
    subtle: webcrypto.subtle,
  });
  const globals: Record<string, unknown> = {
    // A Proxy like Convex's: any name reads as a string or undefined; nothing else is on `process`.
    process: Object.freeze({
      env: new Proxy(env, {
        get: (target, name) => {
          if (typeof name !== "string") return undefined;
          if (options.missingEnv && !(name in target)) throw new ImportTimeRefusal(options.missingEnv(name));
          return target[name];
        },
        set: () => false,
      }),
    }),
    URL,
    URLSearchParams,
    Crypto: webcrypto.constructor,
    SubtleCrypto: webcrypto.subtle.constructor,
    crypto,
    DOMException,
    console: { log: print, info: print, warn: print, error: print, debug: print, time() {}, timeEnd() {}, timeLog() {} },
    Event,
    EventTarget,
    structuredClone,
    // Timers are a "sleep" async op, which the analysis refuses (start_async_op bails).
    setTimeout: refuse("setTimeout"),
    setInterval: refuse("setInterval"),
    clearTimeout: () => {},
    clearInterval: () => {},
    AbortController,
    AbortSignal,
    AsyncLocalStorage,
    AsyncResource,
    ReadableStream,
    ReadableStreamBYOBReader,
    ReadableStreamDefaultReader,
    TransformStream,
    WritableStream,
    WritableStreamDefaultWriter,
    TextEncoder,
    TextDecoder,
    TextEncoderStream,
    TextDecoderStream,
    atob,
    btoa,
    Blob,
    File,
    Headers,
    FormData,
    Request,
    Response,
    fetch: refuse("fetch()"),
    Performance: performance.constructor,
    PerformanceEntry,
    PerformanceMark,
    PerformanceMeasure,
    // performance.now() is 0 during the analysis (performance_now in analyze.rs).
    performance: Object.freeze({ now: () => 0, timeOrigin, mark() {}, measure() {} }),
  };
  const missing = CONVEX_RUNTIME_GLOBALS.filter((name) => name !== "self" && !(name in globals));
  if (missing.length > 0) throw new Error(`isolate context lacks ${missing.join(", ")}`);

  const context = vm.createContext(globals, { name: "Convex runtime (import time)", codeGeneration: { strings: true, wasm: true } });
  vm.runInContext("globalThis.self = globalThis;", context);
  return context;
}

function safeInspect(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
