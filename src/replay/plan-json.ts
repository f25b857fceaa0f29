// Plan parts stored as text (Convex holds them between chunks): BigInt and byte values are tagged so
// they come back as what they were.

export function toPlanJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return { $bigint: item.toString() };
    if (item instanceof Uint8Array) return { $bytes: Buffer.from(item).toString("hex") };
    return item;
  });
}

export function fromPlanJson<T>(text: string): T {
  return JSON.parse(text, (_key, item: unknown) => {
    if (item && typeof item === "object" && !Array.isArray(item)) {
      const tagged = item as { $bigint?: string; $bytes?: string };
      if (typeof tagged.$bigint === "string") return BigInt(tagged.$bigint);
      if (typeof tagged.$bytes === "string") return new Uint8Array(Buffer.from(tagged.$bytes, "hex"));
    }
    return item;
  }) as T;
}
