// convex-test runs a function by calling the `_handler` of the module export it resolves, for client
// calls, nested calls, scheduled jobs and component functions alike: wrapping that handler is the
// one place that sees every execution, its arguments and its result.
export type FunctionKind = "query" | "mutation" | "action";
export type Handler = (ctx: unknown, args: unknown) => unknown;
export type ModuleExports = Record<string, unknown>;

/** What `queryGeneric` and its siblings in `convex/server` attach to a registered function. */
export interface RegisteredFunction {
  readonly isQuery?: boolean;
  readonly isMutation?: boolean;
  readonly isAction?: boolean;
  readonly isPublic?: boolean;
  readonly isInternal?: boolean;
  readonly _handler: Handler;
}

export function registeredFunctionKind(value: unknown): FunctionKind | undefined {
  const isObject = (typeof value === "function" || typeof value === "object") && value !== null;
  if (!isObject || typeof (value as Partial<RegisteredFunction>)._handler !== "function") return undefined;
  const registered = value as RegisteredFunction;
  if (registered.isQuery) return "query";
  if (registered.isMutation) return "mutation";
  if (registered.isAction) return "action";
  return undefined;
}

/** The module's exports with each registered function's handler replaced by `wrap(handler, kind, name)`. */
export function wrapHandlers(
  exports: ModuleExports,
  wrap: (handler: Handler, kind: FunctionKind, exportName: string) => Handler,
): ModuleExports {
  return Object.fromEntries(
    Object.entries(exports).map(([name, value]) => {
      const kind = registeredFunctionKind(value);
      if (kind === undefined) return [name, value];
      const registered = value as RegisteredFunction;
      // A copy with the same flags, validators and invokers; convex-test only reads properties.
      return [name, { ...registered, _handler: wrap(registered._handler, kind, name) }];
    }),
  );
}
