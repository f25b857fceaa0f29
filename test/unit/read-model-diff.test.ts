import { describe, expect, it } from "vitest";
import { diffWindow, type StoredDocument } from "../../src/replay/read-model-diff.ts";

const doc = (key: string, count: number, at = "t1"): StoredDocument => ({ key, fields: { key, count, at } });

describe("diffing read-model generations", () => {
  it("reports documents only on one side and changed fields, ignoring the declared ones", () => {
    const window = diffWindow(
      [doc("a", 1), doc("b", 2), doc("d", 4, "t9")],
      false,
      [doc("b", 3), doc("c", 3), doc("d", 4, "t1")],
      false,
      new Set(["at"]),
    );
    expect(window.differences.map((difference) => [difference.key, difference.kind, "fields" in difference ? difference.fields : []])).toEqual([
      ["a", "only_in_active", []],
      ["b", "changed", ["count"]],
      ["c", "only_in_shadow", []],
    ]);
    expect(window).toMatchObject({ compared: 4, lastKey: "d", done: true });
  });

  it("stops at the key both full pages cover, so a document on the other side's next page is not reported missing", () => {
    const window = diffWindow([doc("a", 1), doc("b", 1)], true, [doc("a", 1), doc("c", 1)], true, new Set());
    expect(window.differences.map((difference) => [difference.key, difference.kind])).toEqual([["b", "only_in_active"]]);
    expect(window).toMatchObject({ compared: 2, lastKey: "b", done: false });
  });

  it("finds nothing between equal generations", () => {
    const docs = ["a", "b", "c"].map((key) => doc(key, 5));
    expect(diffWindow(docs, false, docs.map((d) => ({ ...d, fields: { ...d.fields } })), false, new Set())).toMatchObject({
      differences: [],
      compared: 3,
    });
  });
});
