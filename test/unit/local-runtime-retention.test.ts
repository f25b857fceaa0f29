// The local runtime keeps nothing per transaction once the transaction is over: a long rebuild runs
// hundreds of thousands of them, and what each left behind would grow with the archive. Checked in
// convex-test's database (DatabaseFake, found the way the runtime finds it) after many transactions
// that insert a document under a new index key and that open query streams (one left early) and
// delete it.
import { beforeAll, expect, it } from "vitest";
import { runScript } from "../support/runtime-script.ts";

const TRANSACTIONS = 300;

interface Retained {
  /** Query streams convex-test still holds the results of. */
  queryStreams: number;
  /** Keys of the app's `rebuildNotifications.by_rebuild` index in the runtime's indexed lookups. */
  indexKeys: number;
  /** Documents left in that table (none: each transaction deletes what it inserted). */
  documents: number;
  /** Documents a mutation's stream yielded though a snapshot query ran while it was open (3 inserted). */
  readAcrossSnapshotQuery: number;
}

function runTransactions(): Promise<Retained> {
  const runtimeModule = new URL("../../src/local/runtime/runtime.ts", import.meta.url).href;
  const databaseClassModule = new URL("../../src/convex-test/database-class.ts", import.meta.url).href;
  const script = `
    import { startLocalRuntime } from ${JSON.stringify(runtimeModule)};
    import { patchDatabaseClass } from ${JSON.stringify(databaseClassModule)};
    const databases = new Set();
    patchDatabaseClass("retention test: databases", (prototype) => {
      const startTransaction = prototype.startTransaction;
      prototype.startTransaction = function () { databases.add(this); return startTransaction.call(this); };
    });
    const runtime = await startLocalRuntime({ log: () => {} });
    const notification = (rebuildId) => ({ kind: "completed", projection: "rebufferByCdn", rebuildId, mode: "rebuild", state: "completed", processed: 1, total: 1, reason: null, at: 0 });
    for (let i = 0; i < ${TRANSACTIONS}; i++) {
      const rebuildId = "rebuild-" + i;
      const id = await runtime.t.run((ctx) => ctx.db.insert("rebuildNotifications", notification(rebuildId)));
      await runtime.t.run(async (ctx) => {
        await ctx.db.query("rebuildNotifications").withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId)).unique();
        for await (const document of ctx.db.query("rebuildNotifications")) break;
        await ctx.db.delete(id);
      });
    }
    // A snapshot query inside a mutation (as the Workpool's runSnapshotQuery makes one) ends a
    // transaction of its own while the mutation's stream is still being read.
    const readAcrossSnapshotQuery = await runtime.t.run(async (ctx) => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await ctx.db.insert("rebuildNotifications", notification("kept-" + i)));
      let read = 0;
      for await (const document of ctx.db.query("rebuildNotifications")) {
        if (read++ === 0) await globalThis.Convex.asyncSyscall("1.0/runUdf", JSON.stringify({ udfType: "snapshotQuery", name: "reproject:readModelPage", args: { projection: "rebufferByCdn", generation: 1, cursor: null, numItems: 1 } }));
      }
      for (const id of ids) await ctx.db.delete(id);
      return read;
    });
    const app = [...databases].find((db) => db._componentPath === "");
    const indexes = app[Object.getOwnPropertySymbols(app).find((symbol) => symbol.description === "reproject.indexes")];
    const documents = (await runtime.t.run((ctx) => ctx.db.query("rebuildNotifications").collect())).length;
    const retained = {
      queryStreams: Object.keys(app._queryResults).length,
      indexKeys: indexes.declared.get("rebuildNotifications.by_rebuild").idsByKey.size,
      documents,
      readAcrossSnapshotQuery,
    };
    await runtime.stop();
    process.stdout.write("RESULT " + JSON.stringify(retained) + "\\n");`;
  return runScript<Retained>("retention script", script);
}

let retained: Retained;
beforeAll(async () => {
  retained = await runTransactions();
}, 60_000);

it("holds the results of no query stream once its transaction has ended, read to the end or left early", () => {
  expect(retained.documents).toBe(0);
  expect(retained.queryStreams).toBe(0);
});

it("keeps a mutation's open stream through a snapshot query it runs", () => {
  expect(retained.readAcrossSnapshotQuery).toBe(3);
});

it("keeps no index key whose last document was deleted", () => {
  expect(retained.indexKeys).toBe(0);
});
