// Turns zod issues into one line that names each field and says what was expected, e.g.
// `payload.durationMs: Invalid input: expected int, received number`.
import type * as z from "zod";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `root.a[2]["odd key"]`: the path the way it would be written in code. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

export function describeIssues(root: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${formatPath(root, issue.path)}: ${issue.message}`).join("; ");
}
