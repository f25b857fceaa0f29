// The three states of a live query on screen: loading, failed (said in words), or its data.
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { errorCode } from "../data/backend-error.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";

export function QueryView<T>({
  query,
  what,
  children,
}: {
  query: UseQueryResult<T, Error>;
  /** "projections", "the audit log"...: for the loading message. */
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isError) {
    return (
      <>
        <ErrorNotice
          error={query.error}
          action={
            errorCode(query.error) === "forbidden" ? (
              <p className="notice-hint">Admin functions need an identity with the admin role: use “Switch identity” above.</p>
            ) : null
          }
        />
        {query.data !== undefined ? children(query.data) : null}
      </>
    );
  }
  if (query.data === undefined) {
    return (
      <p className="loading" role="status">
        Loading {what}…
      </p>
    );
  }
  return <>{children(query.data)}</>;
}
