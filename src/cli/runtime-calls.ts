// Typed calls into a local runtime: the function references of convex/_generated/api name the
// function and type its arguments and answer, as they would with a Convex client.
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import type { Value } from "convex/values";
import type { LocalIdentity } from "../local/runtime/identity.ts";
import type { LocalRuntime } from "../local/runtime/runtime.ts";

export type RuntimeCaller = Pick<LocalRuntime, "call">;

type AnyFunction = FunctionReference<"query" | "mutation" | "action", "public" | "internal">;

export async function runFunction<F extends AnyFunction>(
  runtime: RuntimeCaller,
  kind: F["_type"],
  fn: F,
  args: FunctionArgs<F>,
  identity?: LocalIdentity,
): Promise<FunctionReturnType<F>> {
  return (await runtime.call(kind, getFunctionName(fn), args as Value, identity)) as FunctionReturnType<F>;
}
