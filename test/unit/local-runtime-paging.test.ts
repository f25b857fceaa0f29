// Paging through a read-model generation on the local runtime (CLI dumps, read-model totals): its
// pages come from the runtime's ordered index lists. Every document once, in key order, with
// documents written between pages taken into account, other generations left out.
import { expect, it } from "vitest";
import { runScript } from "../support/runtime-script.ts";

interface PagingRun {
  pages: string[][];
  isDone: boolean[];
  /** Keys of generation 7 when paging ended, and those inserted after a page whose last key was `cursorKey`. */
  generationKeys: string[];
  inserted: { cursorKey: string; keys: string[] };
}

function runPagingScript(): Promise<PagingRun> {
  const runtimeModule = new URL("../../src/local/runtime/runtime.ts", import.meta.url).href;
  const script = `
    import { startLocalRuntime } from ${JSON.stringify(runtimeModule)};
    const runtime = await startLocalRuntime({ log: () => {} });
    const summary = (generation, key) => ({ generation, key, document: { streamId: key, eventCount: 1, rebufferCount: 0, errorCount: 0, firstAt: "2025-01-01T00:00:00.000Z", lastAt: "2025-01-01T00:00:00.000Z" } });
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const keyOf = () => "s-" + Math.floor(random() * 1e9).toString(36).padStart(6, "0");
    const keys = new Set();
    while (keys.size < 1200) keys.add(keyOf());
    await runtime.t.run(async (ctx) => {
      for (const key of keys) await ctx.db.insert("sessionSummary", summary(7, key));
      for (let i = 0; i < 300; i++) await ctx.db.insert("sessionSummary", summary(8, keyOf()));
    });
    const pages = [], isDone = [];
    let cursor = null, inserted = null;
    for (;;) {
      const result = await runtime.call("query", "reproject:readModelPage", { projection: "sessionSummary", generation: 7, cursor, numItems: 100 });
      pages.push(result.page.map((doc) => doc.streamId));
      isDone.push(result.isDone);
      if (result.isDone) break;
      cursor = result.continueCursor;
      if (pages.length === 3) {
        const cursorKey = pages[2].at(-1);
        const added = ["s-", "s-0", "s-zzzzzz", cursorKey + "0", keyOf()];
        await runtime.t.run(async (ctx) => { for (const key of added) await ctx.db.insert("sessionSummary", summary(7, key)); });
        inserted = { cursorKey, keys: added };
      }
    }
    const generationKeys = (await runtime.t.run((ctx) => ctx.db.query("sessionSummary").collect())).filter((doc) => doc.generation === 7).map((doc) => doc.key);
    await runtime.stop();
    process.stdout.write("RESULT " + JSON.stringify({ pages, isDone, generationKeys, inserted }) + "\\n");`;
  return runScript<PagingRun>("paging script", script);
}

it("pages a generation in key order, each document once, with documents written between pages", async () => {
  const { pages, isDone, generationKeys, inserted } = await runPagingScript();
  const paged = pages.flat();
  const sortedByKey = [...paged].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  expect(paged).toEqual(sortedByKey);
  expect(new Set(paged).size).toBe(paged.length);
  // Inserted after page 3: those after its last key show up in later pages, those before do not.
  const expected = generationKeys
    .filter((key) => !inserted.keys.includes(key) || key > inserted.cursorKey)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  expect(paged).toEqual(expected);
  expect(paged.length).toBeGreaterThan(1200);
  expect(pages.slice(0, -1).every((page) => page.length === 100)).toBe(true);
  expect(isDone.filter(Boolean)).toHaveLength(1);
  expect(isDone.at(-1)).toBe(true);
}, 90_000);
