// Every way a backend call can go wrong, as one error type the screens put into words: the function
// threw (e.g. a refusal: "ada does not have the admin role"), the backend refused the request, or
// it could not be reached at all.
import { ConvexError, type Value } from "convex/values";

export type BackendErrorKind = "function" | "request" | "network";

export class BackendError extends Error {
  override name = "BackendError";
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    /** A `ConvexError`'s data, e.g. `{ code: "forbidden", message }`. */
    readonly data?: Value,
  ) {
    super(message);
  }
}

/** What to tell the operator about an error, in words. */
export function describeError(error: unknown): string {
  const data = error instanceof BackendError || error instanceof ConvexError ? (error.data as Value | undefined) : undefined;
  const fromData = messageFromData(data);
  if (fromData) return fromData;
  if (error instanceof Error) return cleanServerMessage(error.message);
  return String(error);
}

/** `forbidden` for an authorization refusal, when the function said so. */
export function errorCode(error: unknown): string | undefined {
  const data = error instanceof BackendError || error instanceof ConvexError ? (error.data as Value | undefined) : undefined;
  if (data && typeof data === "object" && !Array.isArray(data) && typeof (data as Record<string, Value>).code === "string") {
    return (data as Record<string, string>).code;
  }
  return undefined;
}

function messageFromData(data: Value | undefined): string | undefined {
  if (typeof data === "string") return data;
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const message = (data as Record<string, Value>).message;
    if (typeof message === "string") return message;
  }
  return undefined;
}

/**
 * A deployment wraps what a function threw: "[CONVEX Q(rebuilds:status)] [Request ID: 1a2b] Server
 * Error\nUncaught Error: the reason\n    at handler (...)". The operator needs the reason.
 */
function cleanServerMessage(message: string): string {
  const uncaught = /Uncaught (?:\w*Error: )?([^\n]+)/.exec(message);
  if (uncaught) return uncaught[1]!.trim();
  return message.replace(/^\[CONVEX [^\]]+\]\s*/, "").replace(/^\[Request ID: [^\]]+\]\s*/, "").trim();
}
