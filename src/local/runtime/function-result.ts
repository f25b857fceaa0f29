// The result of a function call as Convex's HTTP API encodes it, shared by calls and subscriptions.
import { convexToJson, ConvexError, type JSONValue, type Value } from "convex/values";

export type FunctionResult =
  { status: "success"; value: JSONValue } | { status: "error"; errorMessage: string; errorData?: JSONValue };

export async function settle(run: () => Promise<Value>): Promise<FunctionResult> {
  try {
    return { status: "success", value: convexToJson(await run()) };
  } catch (error) {
    return errorResult(error);
  }
}

/** A `ConvexError` carries data for the client (`errorData`); any other error only its message. */
export function errorResult(error: unknown): FunctionResult {
  const errorMessage = error instanceof Error ? error.message : String(error);
  if (error instanceof ConvexError) {
    return { status: "error", errorMessage, errorData: convexToJson(error.data as Value) };
  }
  return { status: "error", errorMessage };
}
