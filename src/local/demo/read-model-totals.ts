// What the demo reports of each read model: its document count and the sum of each numeric field
// (e.g. rebufferCount over all CDN/device pairs, eventCount over all sessions).
import { registry } from "../../../convex/projections.ts";
import { readModelDocuments } from "../../cli/read-model-dump.ts";
import type { RuntimeCaller } from "../../cli/runtime-calls.ts";

export type ReadModelTotals = Record<string, { documents: number; sums: Record<string, number> }>;

/** Totals of every projection's active read model. */
export async function readModelTotals(runtime: RuntimeCaller): Promise<ReadModelTotals> {
  const totals: ReadModelTotals = {};
  for (const { name } of registry.projections) {
    const total = { documents: 0, sums: {} as Record<string, number> };
    for await (const document of readModelDocuments(runtime, name)) {
      total.documents++;
      for (const [field, value] of Object.entries(document)) {
        if (typeof value === "number") total.sums[field] = (total.sums[field] ?? 0) + value;
      }
    }
    totals[name] = total;
  }
  return totals;
}
