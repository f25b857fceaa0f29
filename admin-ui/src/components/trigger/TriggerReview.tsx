// What the operator is about to start, in words, before they confirm.
import type { ProjectionLanes, RebuildOptions } from "../../data/api-types.ts";
import { formatCount } from "../../format.ts";
import { Fact, Facts } from "../Facts.tsx";
import { FilterSummary } from "../FilterSummary.tsx";
import { PreflightFacts } from "./PreflightFacts.tsx";

export function TriggerReview({
  projection,
  options,
  activeGeneration,
  lanes,
}: {
  projection: string;
  options: RebuildOptions;
  /** The projection's active generation; null when it was never built, undefined when not known. */
  activeGeneration: number | null | undefined;
  /** The projection's lanes; null when it declares no lane key or is not known. */
  lanes: ProjectionLanes | null;
}) {
  const verify = options.mode === "verify";
  return (
    <div className="review">
      {verify ? (
        <VerifyKind
          projection={projection}
          keepShadow={options.keepShadow === true}
          activeGeneration={activeGeneration}
        />
      ) : (
        <p className="review-kind">
          {options.dryRun
            ? "Dry run: every event goes through the handlers and is counted; nothing is written."
            : options.filter
              ? `Filtered replay into target “${options.target ?? "filtered-<time>"}”. The active read model is not replaced.`
              : "Full rebuild into a new generation. Queries keep reading the current one until it completes, then switch atomically."}
        </p>
      )}
      <Facts>
        <Fact label="Projection">{projection}</Fact>
        {verify && <Fact label="Mode">verify: compare, don’t swap</Fact>}
        {verify && (
          <Fact label="Afterwards">
            {options.keepShadow
              ? "the shadow is kept until you promote or discard it"
              : "the shadow is deleted once compared"}
          </Fact>
        )}
        <Fact label="Filter">
          <FilterSummary filter={options.filter} />
        </Fact>
        <Fact label="Lanes">{lanesText(options.lanes ?? lanes?.defaultCount ?? 1, lanes !== null)}</Fact>
        <Fact label="Rate limit">{options.rateLimit ? `${formatCount(options.rateLimit)} events/s` : "none"}</Fact>
        <Fact label="Bad events">{badEventsText(options.errorPolicy, verify ? "verify run" : "rebuild")}</Fact>
      </Facts>
      {options.errorPolicy === "dead-letter-key" && <ParkedKeysNote />}
      <PreflightFacts projection={projection} options={options} />
    </div>
  );
}

function lanesText(count: number, splittable: boolean): string {
  if (count > 1) return `${count} lanes in parallel, each folding the events its lane key sends it`;
  return splittable ? "1: one chain" : "1: one chain (no lane key)";
}

function VerifyKind({
  projection,
  keepShadow,
  activeGeneration,
}: {
  projection: string;
  keepShadow: boolean;
  activeGeneration: number | null | undefined;
}) {
  const against =
    activeGeneration === undefined || activeGeneration === null
      ? "the active generation"
      : `generation ${activeGeneration}`;
  return (
    <>
      <p className="review-kind" data-kind="verify">
        Verify run: {projection} is rebuilt into a shadow generation, which is then compared with {against} document by
        document. Nothing is swapped: queries keep reading {against}.{" "}
        {keepShadow
          ? "The shadow is kept afterwards, and kept current by live events, until you promote it or discard it."
          : "The shadow is deleted once compared."}
      </p>
      {activeGeneration === null && (
        <div className="notice" data-tone="warning" role="note">
          <p className="notice-title">Nothing to compare with yet</p>
          <p className="notice-body">
            {projection} has no active generation: every document will be reported as only in the shadow.
          </p>
        </div>
      )}
    </>
  );
}

function badEventsText(policy: RebuildOptions["errorPolicy"], run: "rebuild" | "verify run"): string {
  switch (policy) {
    case "dead-letter":
      return `dead-lettered, the ${run} goes on`;
    case "dead-letter-key":
      return `dead-lettered with every later event of their keys, the ${run} goes on`;
    default:
      return `fail the ${run}`;
  }
}

function ParkedKeysNote() {
  return (
    <div className="notice" data-tone="info" role="note" aria-label="Parked keys">
      <p className="notice-title">Bad events park their keys</p>
      <p className="notice-body">
        When an event is dead-lettered, the read-model documents its handler’s prefetch names are parked: every later
        event touching them is dead-lettered too (reason “parked behind” the first one), live appends included, so those
        documents stay as they were before the bad event. Once the fix is deployed, Re-drive on the rebuild applies the
        letters in position order, exactly once. The projection needs a prefetch on every handler; without one the
        rebuild is rejected, naming the event types that lack it.
      </p>
    </div>
  );
}
