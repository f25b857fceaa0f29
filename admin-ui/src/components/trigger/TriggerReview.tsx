// What the operator is about to start, in words, before they confirm.
import type { RebuildOptions } from "../../data/api-types.ts";
import { formatCount } from "../../format.ts";
import { Fact, Facts } from "../Facts.tsx";
import { FilterSummary } from "../FilterSummary.tsx";

export function TriggerReview({ projection, options }: { projection: string; options: RebuildOptions }) {
  const kind = options.dryRun
    ? "Dry run: every event goes through the handlers and is counted; nothing is written."
    : options.filter
      ? `Filtered replay into target “${options.target ?? "filtered-<time>"}”. The active read model is not replaced.`
      : "Full rebuild into a new generation. Queries keep reading the current one until it completes, then switch atomically.";
  return (
    <div className="review">
      <p className="review-kind">{kind}</p>
      <Facts>
        <Fact label="Projection">{projection}</Fact>
        <Fact label="Filter">
          <FilterSummary filter={options.filter} />
        </Fact>
        <Fact label="Rate limit">{options.rateLimit ? `${formatCount(options.rateLimit)} events/s` : "none"}</Fact>
        <Fact label="Bad events">{options.errorPolicy === "dead-letter" ? "dead-lettered, the rebuild goes on" : "fail the rebuild"}</Fact>
      </Facts>
    </div>
  );
}
