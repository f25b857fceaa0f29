// Partition transforms (spec "Partition Transforms") for the source types an event archive uses,
// and how a predicate on a source column projects onto the partition value.
import { parsePrimitive, type PrimitiveType } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;
const DAYS_PER_CIVIL_ERA = 146_097;

/** The type of the partition value a transform produces (for decoding bounds and summaries). */
export function transformResultType(transform: string, sourceType: PrimitiveType): PrimitiveType | undefined {
  if (transform === "identity") return sourceType;
  if (transform === "year" || transform === "month" || transform === "day" || transform === "hour") return "int";
  if (/^bucket\[\d+\]$/.test(transform)) return "int";
  if (/^truncate\[\d+\]$/.test(transform)) return sourceType;
  return undefined; // void and unknown transforms tell nothing about the source value
}

/**
 * Applies a monotonic transform (identity, year, month, day, hour) to a source value; undefined
 * when the transform is not monotonic for this type (bucket, truncate, void), i.e. cannot prune.
 */
export function applyMonotonicTransform(
  transform: string,
  sourceType: PrimitiveType,
  value: IcebergValue,
): IcebergValue | undefined {
  if (value === null) return null;
  if (transform === "identity") return value;
  const kind = parsePrimitive(sourceType).kind;
  const isTimestamp = kind === "timestamp" || kind === "timestamptz";
  const isNanos = kind === "timestamp_ns" || kind === "timestamptz_ns";
  if (!isTimestamp && !isNanos && kind !== "date") return undefined;
  const micros =
    kind === "date"
      ? BigInt(value as number) * MICROS_PER_DAY
      : isNanos
        ? floorDiv(value as bigint, 1000n)
        : (value as bigint);
  switch (transform) {
    case "hour":
      return Number(floorDiv(micros, MICROS_PER_HOUR));
    case "day":
      return Number(floorDiv(micros, MICROS_PER_DAY));
    case "month": {
      const { year, month } = civilFromDays(Number(floorDiv(micros, MICROS_PER_DAY)));
      return (year - 1970) * 12 + (month - 1);
    }
    case "year":
      return civilFromDays(Number(floorDiv(micros, MICROS_PER_DAY))).year - 1970;
    default:
      return undefined;
  }
}

/** Day number (days since 1970-01-01) of an epoch-microsecond timestamp: the `day` transform. */
export function dayOfMicros(micros: bigint): number {
  return Number(floorDiv(micros, MICROS_PER_DAY));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

/** Proleptic Gregorian date of a day number (Howard Hinnant's civil_from_days). */
function civilFromDays(days: number): { year: number; month: number } {
  const z = days + 719_468;
  const era = Math.floor(z / DAYS_PER_CIVIL_ERA);
  const dayOfEra = z - era * DAYS_PER_CIVIL_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month };
}
