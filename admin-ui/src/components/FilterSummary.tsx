// A replay filter in words: "Rebuffer · cdn = CDN1 · from 2025-01-05 00:00:00 UTC".
import type { RebuildFilter } from "../data/api-types.ts";
import { formatTime } from "../format.ts";

export function describeFilter(filter: RebuildFilter | null | undefined): string[] {
  if (!filter) return [];
  const parts: string[] = [];
  if (filter.fromMs !== undefined) parts.push(`from ${formatTime(filter.fromMs)}`);
  if (filter.toMs !== undefined) parts.push(`until ${formatTime(filter.toMs)}`);
  if (filter.eventTypes?.length) parts.push(`types ${filter.eventTypes.join(", ")}`);
  for (const [attribute, values] of Object.entries(filter.attributes ?? {})) parts.push(`${attribute} = ${values.join(" or ")}`);
  return parts;
}

export function FilterSummary({ filter }: { filter: RebuildFilter | null | undefined }) {
  const parts = describeFilter(filter);
  if (parts.length === 0) return <span className="muted">none (every event)</span>;
  return (
    <span className="filter-chips">
      {parts.map((part) => (
        <span key={part} className="chip">
          {part}
        </span>
      ))}
    </span>
  );
}
