// The trigger dialog's lanes field as options: sent only for a projection with a lane key and only
// when it differs from the projection's default, for rebuilds and verify runs alike.
import { describe, expect, it } from "vitest";
import { buildOptions, initialForm } from "../../admin-ui/src/components/trigger/trigger-form.ts";

const TYPES = ["Play", "End"];
const SPLITTABLE = { defaultCount: 2, maxCount: 16 };

describe("the trigger dialog's lanes", () => {
  it("start at the projection's default, which is not sent; another count is", () => {
    const form = initialForm("sessionSummary", TYPES, SPLITTABLE);
    expect(form.lanes).toBe("2");
    expect(buildOptions(form, TYPES, SPLITTABLE)).toEqual({ ok: true, options: {} });
    expect(buildOptions({ ...form, lanes: "8" }, TYPES, SPLITTABLE)).toEqual({ ok: true, options: { lanes: 8 } });
    expect(buildOptions({ ...form, lanes: "1" }, TYPES, SPLITTABLE)).toEqual({ ok: true, options: { lanes: 1 } });
    expect(buildOptions({ ...form, lanes: "4", mode: "verify" }, TYPES, SPLITTABLE)).toEqual({
      ok: true,
      options: { mode: "verify", lanes: 4 },
    });
  });

  it("refuse a count that is not a whole number from 1 to the projection's most", () => {
    const form = initialForm("sessionSummary", TYPES, SPLITTABLE);
    for (const lanes of ["0", "17", "2.5", "", "four"]) {
      expect(buildOptions({ ...form, lanes }, TYPES, SPLITTABLE)).toEqual({
        ok: false,
        problems: ["Lanes must be a whole number from 1 to 16."],
      });
    }
  });

  it("are never sent for a projection without a lane key", () => {
    const form = initialForm("rebufferByCdn", TYPES, null);
    expect(form.lanes).toBe("");
    expect(buildOptions({ ...form, lanes: "4" }, TYPES, null)).toEqual({ ok: true, options: {} });
  });
});
