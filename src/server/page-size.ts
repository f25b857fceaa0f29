import { ConvexError } from "convex/values";

/**
 * The number of rows a listing query reads: the caller's `limit`, capped at what one query should
 * read. A limit that is no count of rows (NaN, infinite, below 1) is refused, not guessed at.
 */
export function pageSize(limit: number | undefined, { fallback, max }: { fallback: number; max: number }): number {
  if (limit === undefined) return fallback;
  if (!Number.isFinite(limit) || limit < 1) {
    throw new ConvexError({
      code: "invalid-argument",
      message: `limit must be a number of rows from 1 to ${max}; got ${limit}`,
    });
  }
  return Math.min(Math.floor(limit), max);
}
