import { isSafeNumber, parse, stringify } from "lossless-json";

/** JSON.parse that keeps integers beyond 2^53 exact as BigInt (Iceberg snapshot ids are 64-bit). */
export function parseJsonLossless(text: string): unknown {
  return parse(text, null, (value) => (/^-?\d+$/.test(value) && !isSafeNumber(value) ? BigInt(value) : Number(value)));
}

/** JSON.stringify that writes BigInt values as plain JSON integers. */
export function stringifyJsonLossless(value: unknown, indent?: number): string {
  const text = stringify(value, undefined, indent);
  if (text === undefined) throw new Error("value cannot be written as JSON");
  return text;
}
