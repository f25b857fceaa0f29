// An error from the backend, in words: a refusal, a rejected call, a thrown query, a lost connection.
import type { ReactNode } from "react";
import { BackendError, describeError, errorCode } from "../data/backend-error.ts";

export function errorTitle(error: unknown): string {
  if (errorCode(error) === "forbidden") return "Refused";
  if (error instanceof BackendError && error.kind === "network") return "Cannot reach the backend";
  if (error instanceof BackendError && error.kind === "request") return "Request refused";
  return "Error";
}

export function ErrorNotice({ error, title, action }: { error: unknown; title?: string; action?: ReactNode }) {
  return (
    <div className="notice" data-tone="error" role="alert">
      <p className="notice-title">{title ?? errorTitle(error)}</p>
      <p className="notice-body">{describeError(error)}</p>
      {action}
    </div>
  );
}

/** A refusal or rejection the backend answered with (not thrown): `{ status, reason }`. */
export function RefusalNotice({ status, reason }: { status: "refused" | "rejected"; reason: string }) {
  return (
    <div className="notice" data-tone="error" role="alert">
      <p className="notice-title">{status === "refused" ? "Refused" : "Rejected"}</p>
      <p className="notice-body">{reason}</p>
    </div>
  );
}
