// An audit entry's details: a trigger's options (recorded as JSON) as readable chips, anything else
// as the text it is.
import type { RebuildOptions } from "../data/api-types.ts";
import { formatCount } from "../format.ts";
import { describeFilter } from "./FilterSummary.tsx";

export function AuditDetails({ details }: { details: string }) {
  const options = parseOptions(details);
  if (!options) return <span className="details-text">{details}</span>;
  const chips = [
    ...(options.mode === "verify" ? ["verify"] : []),
    ...(options.keepShadow ? ["keep shadow"] : []),
    ...describeFilter(options.filter),
    ...(options.dryRun ? ["dry run"] : []),
    ...(options.target ? [`target ${options.target}`] : []),
    ...(options.rateLimit ? [`≤ ${formatCount(options.rateLimit)} events/s`] : []),
    ...(options.errorPolicy === "dead-letter" ? ["dead-letter"] : []),
    ...(options.lanes ? [`${options.lanes} lanes`] : []),
  ];
  if (chips.length === 0) return <span className="details-plain">full rebuild, default options</span>;
  return (
    <span className="filter-chips" title={details}>
      {chips.map((chip) => (
        <span key={chip} className="chip">
          {chip}
        </span>
      ))}
    </span>
  );
}

const OPTION_KEYS = new Set(["filter", "dryRun", "rateLimit", "errorPolicy", "target", "mode", "keepShadow", "lanes"]);

function parseOptions(details: string): RebuildOptions | null {
  if (!details.startsWith("{")) return null;
  try {
    const parsed: unknown = JSON.parse(details);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
    return Object.keys(parsed).every((key) => OPTION_KEYS.has(key)) ? (parsed as RebuildOptions) : null;
  } catch {
    return null;
  }
}
