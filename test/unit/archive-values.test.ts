import { describe, expect, it } from "vitest";
import { ForeignPathError } from "../../src/archive/errors.ts";
import { tableKeyOf } from "../../src/archive/paths.ts";
import { compareValues, comparatorFor, rangeMayMatch, valueMatches } from "../../src/archive/predicate.ts";
import { decodeSingleValue, encodeSingleValue } from "../../src/archive/single-value.ts";
import { applyMonotonicTransform, dayOfMicros } from "../../src/archive/transforms.ts";
import { valueToJson } from "../../src/archive/row-json.ts";
import { formatDecimal } from "../../src/archive/values.ts";

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe("partition transforms", () => {
  it("buckets timestamps into hours, days, months and years since the epoch", () => {
    const t = micros("2026-03-15T13:45:00Z");
    expect(applyMonotonicTransform("hour", "timestamptz", t)).toBe(Date.parse("2026-03-15T13:00:00Z") / 3_600_000);
    expect(applyMonotonicTransform("day", "timestamptz", t)).toBe(Date.parse("2026-03-15") / 86_400_000);
    expect(applyMonotonicTransform("month", "timestamptz", t)).toBe((2026 - 1970) * 12 + 2);
    expect(applyMonotonicTransform("year", "timestamptz", t)).toBe(56);
  });

  it("floors instants before 1970 toward the past", () => {
    expect(dayOfMicros(-1n)).toBe(-1);
    expect(applyMonotonicTransform("month", "date", -1)).toBe(-1);
    expect(applyMonotonicTransform("year", "date", -1)).toBe(-1);
  });

  it("cannot prune through non-monotonic transforms", () => {
    expect(applyMonotonicTransform("bucket[16]", "long", 5n)).toBeUndefined();
    expect(applyMonotonicTransform("identity", "string", "CDN1")).toBe("CDN1");
  });
});

describe("single-value serialization", () => {
  it.each([
    ["int", -42],
    ["long", 1n << 62n],
    ["double", 2.5],
    ["string", "Flopsy 🐇"],
    ["timestamptz", micros("2026-01-01T00:00:00Z")],
    ["boolean", true],
  ] as const)("round-trips a %s", (type, value) => {
    expect(decodeSingleValue(type, encodeSingleValue(type, value))).toEqual(value);
  });

  it("round-trips decimals as big-endian two's complement, negative ones included", () => {
    for (const unscaled of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 9_999_999_999n, -500n]) {
      expect(decodeSingleValue("decimal(12, 2)", encodeSingleValue("decimal(12, 2)", unscaled))).toBe(unscaled);
    }
    expect(formatDecimal(-500n, 2)).toBe("-5.00");
    expect(formatDecimal(5n, 3)).toBe("0.005");
  });
});

describe("writer paths remapped to the table", () => {
  it("accepts the writer's scheme variants and relative locations", () => {
    expect(tableKeyOf("s3a://b/t/data/x.parquet", "s3://b/t")).toBe("data/x.parquet");
    expect(tableKeyOf("lineitem/metadata/snap.avro", "./lineitem")).toBe("metadata/snap.avro");
    expect(tableKeyOf("file:///warehouse/t/data/a.parquet", "/warehouse/t")).toBe("data/a.parquet");
  });

  it("refuses paths of other tables, buckets or climbing out with ../", () => {
    expect(() => tableKeyOf("s3://b/other/data/x.parquet", "s3://b/t")).toThrow(ForeignPathError);
    expect(() => tableKeyOf("s3://b/t-copy/data/x.parquet", "s3://b/t")).toThrow(ForeignPathError);
    expect(() => tableKeyOf("s3://b/t/../../x", "s3://b/t")).toThrow(ForeignPathError);
  });
});

describe("predicates", () => {
  it("orders strings by UTF-8 bytes, as Parquet statistics do", () => {
    expect(compareValues("\uFF5E", "\u{1F407}")).toBeLessThan(0);
    expect("\uFF5E" < "\u{1F407}").toBe(false); // UTF-16 order disagrees
  });

  it("compares decimals by value, not as text", () => {
    const compare = comparatorFor("decimal(10, 2)");
    expect(compare("10.00", "9.50")).toBeGreaterThan(0);
    expect(valueMatches({ column: "p", op: "range", min: "9.99", minInclusive: false }, "10.00", compare)).toBe(true);
  });

  it("prunes a range only when no value within the bounds can match", () => {
    const condition = { column: "t", op: "range", min: 10n, max: 20n, maxInclusive: false } as const;
    expect(rangeMayMatch(condition, 20n, 30n)).toBe(false);
    expect(rangeMayMatch(condition, 19n, 30n)).toBe(true);
    expect(rangeMayMatch(condition, 0n, 9n)).toBe(false);
    expect(rangeMayMatch(condition, undefined, 9n)).toBe(false);
    expect(rangeMayMatch(condition, undefined, undefined)).toBe(true);
    expect(rangeMayMatch({ column: "c", op: "in", values: ["CDN1"] }, "CDN2", "CDN4")).toBe(false);
  });
});

describe("values as JSON", () => {
  it("writes longs beyond 2^53 as strings and timestamps in UTC with Z", () => {
    const field = (type: string) => ({ id: 1, name: "v", required: false, type: type as "long" });
    expect(valueToJson(field("long"), 7505300640432048841n)).toBe("7505300640432048841");
    expect(valueToJson(field("long"), 42n)).toBe(42);
    expect(valueToJson(field("timestamptz"), micros("2026-01-02T03:04:05.123Z") + 456n)).toBe("2026-01-02T03:04:05.123456Z");
    expect(valueToJson(field("timestamp"), micros("2026-01-02T03:04:05Z"))).toBe("2026-01-02T03:04:05");
    expect(valueToJson(field("date"), 18993)).toBe("2022-01-01");
    expect(valueToJson(field("binary"), Uint8Array.of(0, 255))).toBe("00ff");
  });
});
