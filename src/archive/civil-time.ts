// Dates and times as Iceberg stores them (days, µs or ns from 1970-01-01 UTC; µs from midnight)
// to and from ISO-8601 text, in integer arithmetic on the proleptic Gregorian calendar. JS `Date`
// stops at ±275,760 years and rounds to milliseconds; an Iceberg timestamp spans ±292,277 years in
// microseconds, and a date column ±5.8 million years.
const DAYS_PER_ERA = 146_097; // 400 Gregorian years
const DAYS_FROM_YEAR_0_TO_1970 = 719_468; // from 0000-03-01, the start of the algorithm's year

/** Year, month (1-12) and day of `days` since 1970-01-01 (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const shifted = days + DAYS_FROM_YEAR_0_TO_1970;
  const era = Math.floor(shifted / DAYS_PER_ERA);
  const dayOfEra = shifted - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_ERA + dayOfEra - DAYS_FROM_YEAR_0_TO_1970;
}

const pad = (value: number | bigint, digits: number) => value.toString().padStart(digits, "0");

/** Years 0-9999 as four digits; others with a sign and at least six, as ISO-8601's expanded form (and JS) write them. */
function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return `${year < 0 ? "-" : "+"}${pad(Math.abs(year), 6)}`;
}

/** `YYYY-MM-DD` of days since 1970-01-01. */
export function formatIsoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `HH:MM:SS[.fraction]` of `units` (10^digits a second) since midnight; a zero fraction is left out. */
function formatClock(units: bigint, digits: number): string {
  const perSecond = 10n ** BigInt(digits);
  const seconds = units / perSecond;
  const fraction = units % perSecond;
  const clock = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}`;
  return fraction === 0n ? clock : `${clock}.${pad(fraction, digits)}`;
}

/** `HH:MM:SS[.ffffff]` of microseconds since midnight. */
export function formatIsoTime(micros: bigint): string {
  return formatClock(micros, 6);
}

/** ISO-8601 of µs (digits 6) or ns (digits 9) since the epoch; `Z` when zoned; a zero fraction is left out. */
export function formatIsoDateTime(value: bigint, digits: 6 | 9, zoned: boolean): string {
  const perDay = 86_400n * 10n ** BigInt(digits);
  let days = value / perDay;
  let rest = value % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  return `${formatIsoDate(Number(days))}T${formatClock(rest, digits)}${zoned ? "Z" : ""}`;
}

const DATE = /^([+-]\d{4,}|\d{4})-(\d{2})-(\d{2})$/;
const CLOCK = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const DATE_TIME = /^([+-]?\d{4,}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:\d{2})?$/;

/** Days since 1970-01-01 of `YYYY-MM-DD` (expanded years allowed); undefined when it is not such a date. */
export function parseIsoDate(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : undefined;
}

function parseClock(text: string, digits: number): bigint | undefined {
  const match = CLOCK.exec(text);
  if (!match) return undefined;
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const fraction = match[4] ?? "";
  if (hours > 23 || minutes > 59 || seconds > 59 || fraction.length > digits) return undefined;
  return (
    BigInt((hours * 60 + minutes) * 60 + seconds) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0")
  );
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]`; undefined when it is not such a time. */
export function parseIsoTime(text: string): bigint | undefined {
  return parseClock(text, 6);
}

/**
 * µs (digits 6) or ns (digits 9) since the epoch of `YYYY-MM-DDTHH:MM:SS[.f]`, with `Z` or an
 * offset such as `+00:00` when zoned; undefined when it is not such a timestamp.
 */
export function parseIsoDateTime(text: string, digits: 6 | 9, zoned: boolean): bigint | undefined {
  const match = DATE_TIME.exec(text);
  if (!match || (match[3] !== undefined) !== zoned) return undefined;
  const days = parseIsoDate(match[1]!);
  const clock = parseClock(match[2]!, digits);
  if (days === undefined || clock === undefined) return undefined;
  const perSecond = 10n ** BigInt(digits);
  const zone = match[3] && match[3] !== "Z" ? match[3] : undefined;
  const offsetSeconds = zone
    ? (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60)
    : 0;
  return BigInt(days) * 86_400n * perSecond + clock - BigInt(offsetSeconds) * perSecond;
}
