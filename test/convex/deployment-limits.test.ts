// What a deployment refuses and convex-test alone lets through: the test setup refuses it too, so a
// test fails where a deployment would.
import { describe, expect, it } from "vitest";
import { components } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";

const MIB = 1 << 20;

function readModelDocument(document: unknown) {
  return { generation: 1, key: "k", document };
}

describe("the test setup enforces the limits of a deployment", () => {
  it("refuses a document over 1 MiB, whether inserted, patched past it or replaced", async () => {
    const t = createConvexTest();
    await expect(t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument("x".repeat(MIB))))).rejects.toThrow(
      /A document of table "sessionSummary" is too large: 1,048,\d{3} bytes, over the 1 MiB/,
    );

    const id = await t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument("x".repeat(MIB / 2))));
    await expect(t.run((ctx) => ctx.db.patch(id, { key: "y".repeat(MIB / 2 + 100) }))).rejects.toThrow(/too large/);
    await expect(t.run((ctx) => ctx.db.replace(id, readModelDocument({ notes: "z".repeat(MIB + 1) })))).rejects.toThrow(
      /too large/,
    );
    // The refused writes left the document as it was.
    const stored = await t.run((ctx) => ctx.db.get(id));
    expect(stored?.key).toBe("k");
  });

  it("refuses an array over 8,192 items, an object over 1,024 fields and nesting over 16 levels", async () => {
    const t = createConvexTest();
    await expect(
      t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument({ seen: Array(8_193).fill(1) }))),
    ).rejects.toThrow(/an array of 8193 items at document\.document\.seen, over the 8192/);
    const fields = Object.fromEntries(Array.from({ length: 1_025 }, (_, i) => [`f${i}`, i]));
    await expect(t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument(fields)))).rejects.toThrow(
      /an object of 1025 fields at document\.document/,
    );
    let nested: unknown = 1;
    for (let level = 0; level < 16; level++) nested = { nested };
    await expect(t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument(nested)))).rejects.toThrow(
      /nests more than 16 levels deep/,
    );
    // At the limits, all three are stored.
    let deepest: unknown = 1;
    for (let level = 0; level < 14; level++) deepest = { deepest };
    const atLimits = { seen: Array(8_192).fill(1), deepest };
    await t.run((ctx) => ctx.db.insert("sessionSummary", readModelDocument(atLimits)));
  });

  it("refuses arguments over 16 MiB in a call, and arrays over 8,192 items in what a mutation schedules", async () => {
    const t = createConvexTest();
    await expect(
      t.run((ctx) => ctx.runQuery(components.reproject.projections.liveGenerations, { name: "x".repeat(16 * MIB) })),
    ).rejects.toThrow(/The arguments of projections:liveGenerations is too large: 16,777,\d{3} bytes, over the 16 MiB/);
    await expect(
      t.run((ctx) =>
        ctx.scheduler.runAfter(0, components.reproject.audit.record, { ids: Array(8_193).fill(0) } as never),
      ),
    ).rejects.toThrow(/The arguments scheduled for .*audit.* holds an array of 8193 items/);
  });
});
