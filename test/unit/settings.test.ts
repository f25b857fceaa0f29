import { expect, it } from "vitest";
import { numberSetting } from "../../src/server/settings.ts";

it("numeric settings take the variable's number when it is one at or above the minimum, else the default", () => {
  const env = { SET: "2500", DECIMAL: "0.5", ZERO: "0", NEGATIVE: "-3", WORDS: "ten", EMPTY: "", SPACES: "  " };
  expect(numberSetting("SET", 7, 0, env)).toBe(2500);
  expect(numberSetting("DECIMAL", 7, 0, env)).toBe(0.5);
  expect(numberSetting("ZERO", 7, 0, env)).toBe(0);
  expect(numberSetting("ZERO", 7, 1, env)).toBe(7);
  expect(numberSetting("NEGATIVE", 7, 0, env)).toBe(7);
  expect(numberSetting("WORDS", 7, 0, env)).toBe(7);
  expect(numberSetting("EMPTY", 7, 0, env)).toBe(7);
  expect(numberSetting("SPACES", 7, 0, env)).toBe(7);
  expect(numberSetting("UNSET", Infinity, 1, env)).toBe(Infinity);
});
