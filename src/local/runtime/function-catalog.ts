// Resolves a function path ("module:export") to a function the app exports, and refuses calls a
// Convex deployment would refuse: unknown functions, the wrong kind, internal functions from clients.
import type { FunctionKind } from "./execution-context.ts";
import { registeredFunctionKind, type RegisteredFunction } from "../../convex-test/registered-functions.ts";
import type { ModuleLoader } from "./module-map.ts";

/** A call the runtime will not make (or a request it cannot read); `httpStatus` is what the HTTP API answers. */
export class CallRefused extends Error {
  override name = "CallRefused";
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export type Visibility = "public" | "internal";

export class FunctionCatalog {
  constructor(private readonly modules: ReadonlyMap<string, ModuleLoader>) {}

  /** The function the app exports at `path` ("module:export"), if any. */
  async find(path: string): Promise<RegisteredFunction | undefined> {
    const [modulePath, exportName = "default", ...rest] = path.split(":");
    const load = rest.length === 0 && modulePath ? this.modules.get(modulePath) : undefined;
    const exported = load ? (await load())[exportName] : undefined;
    return registeredFunctionKind(exported) === undefined ? undefined : (exported as RegisteredFunction);
  }

  /** The kind of the function at `path`, or undefined when the app exports none there. */
  async kindOf(path: string): Promise<FunctionKind | undefined> {
    return registeredFunctionKind(await this.find(path));
  }

  /** Checks that `path` names a function of `kind` callable with `visibility`; throws CallRefused if not. */
  async check(path: string, kind: FunctionKind, visibility: Visibility): Promise<void> {
    const exported = await this.find(path);
    const actualKind = registeredFunctionKind(exported);
    if (actualKind === undefined) {
      throw new CallRefused(404, `Could not find a function for '${path}' (expected "module:export")`);
    }
    if (actualKind !== kind) {
      throw new CallRefused(400, `'${path}' is a ${actualKind}, not a ${kind}: call it as a ${actualKind}`);
    }
    if (visibility === "public" && !(exported as RegisteredFunction).isPublic) {
      throw new CallRefused(
        403,
        `'${path}' is an internal ${kind}: clients can only call public functions (internal ones run from other functions or in-process)`,
      );
    }
  }
}
