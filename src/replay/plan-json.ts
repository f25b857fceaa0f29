// A scan plan stored as text (Convex holds it between chunks): BigInt and byte values are tagged so
// they come back as what they were.
import type { ScanPlan } from "../archive/plan.ts";

export function serializePlan(plan: ScanPlan): string {
  return JSON.stringify(plan, (_key, value: unknown) => {
    if (typeof value === "bigint") return { $bigint: value.toString() };
    if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("hex") };
    return value;
  });
}

export function deserializePlan(text: string): ScanPlan {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const tagged = value as { $bigint?: string; $bytes?: string };
      if (typeof tagged.$bigint === "string") return BigInt(tagged.$bigint);
      if (typeof tagged.$bytes === "string") return new Uint8Array(Buffer.from(tagged.$bytes, "hex"));
    }
    return value;
  }) as ScanPlan;
}
