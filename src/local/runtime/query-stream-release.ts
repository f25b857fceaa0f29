// convex-test keeps the results of every query stream a function opens (DatabaseFake._queryResults,
// dist/index.js 0.0.60) and ignores `1.0/queryCleanup`, so a runtime that lives for a long rebuild
// holds an entry for every query it ever ran: ~20,000 per 10M events, growing with the archive. A
// deployment frees a stream with its transaction; so does this, once a database's outermost
// transaction commits or rolls back (no stream outlives it).
import { patchDatabaseClass } from "../../convex-test/database-class.ts";

const STASHED = Symbol("reproject.stashedWrites");

/** What this reads of convex-test's DatabaseFake. */
interface FakeDatabase {
  _queryResults: Record<number, unknown>;
  _writes: unknown[];
  commit(...args: unknown[]): void;
  rollbackWrites(...args: unknown[]): void;
  stashWrites(...args: unknown[]): unknown;
  restoreWrites(...args: unknown[]): void;
  /** How many stashes are open: while one is, an empty `_writes` does not mean no transaction is. */
  [STASHED]?: number;
}

function releaseStreamsAfter(prototype: FakeDatabase, method: "commit" | "rollbackWrites"): void {
  const end = prototype[method];
  prototype[method] = function (this: FakeDatabase, ...args: unknown[]) {
    end.apply(this, args);
    if (this._writes.length === 0 && !this[STASHED]) this._queryResults = {};
  };
}

/**
 * A snapshot query inside a mutation (the Workpool runs them) hides the mutation's writes by
 * swapping them for an empty stack; its own transaction ends on that stack, but the mutation's
 * streams are still open.
 */
function countStashes(prototype: FakeDatabase): void {
  const { stashWrites, restoreWrites } = prototype;
  prototype.stashWrites = function (this: FakeDatabase, ...args: unknown[]) {
    this[STASHED] = (this[STASHED] ?? 0) + 1;
    return stashWrites.apply(this, args);
  };
  prototype.restoreWrites = function (this: FakeDatabase, ...args: unknown[]) {
    restoreWrites.apply(this, args);
    this[STASHED] = this[STASHED]! - 1;
  };
}

/** Called as the runtime starts (idempotent). */
export function installQueryStreamRelease(): void {
  patchDatabaseClass("query stream release", (prototype) => {
    const database = prototype as FakeDatabase;
    countStashes(database);
    releaseStreamsAfter(database, "commit");
    releaseStreamsAfter(database, "rollbackWrites");
  });
}
