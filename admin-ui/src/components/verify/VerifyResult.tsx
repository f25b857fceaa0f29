// A verify run's result: how many documents were compared and how many differ (changed, only in the
// active generation, only in the shadow), what became of the shadow, the sampled differences, and
// promote / discard while the shadow is kept. Live: the counts grow while the comparison runs.
import type { RebuildStatus, VerifyResult as Verify } from "../../data/api-types.ts";
import { formatCount } from "../../format.ts";
import type { Tone } from "../StateBadge.tsx";
import { DiffSamples } from "./DiffSamples.tsx";
import { ShadowControls } from "./ShadowControls.tsx";

const COUNTS: { key: "compared" | "changed" | "onlyInActive" | "onlyInShadow"; label: string; hint: string }[] = [
  { key: "compared", label: "Compared", hint: "documents, both sides" },
  { key: "changed", label: "Changed", hint: "same key, other values" },
  { key: "onlyInActive", label: "Only in active", hint: "a rebuild would remove" },
  { key: "onlyInShadow", label: "Only in shadow", hint: "a rebuild would add" },
];

export function differenceCount(verify: Verify): number {
  return verify.changed + verify.onlyInActive + verify.onlyInShadow;
}

export function VerifyResult({ status }: { status: RebuildStatus }) {
  const verify = status.verify;
  const shadow = shadowView(status);
  return (
    <section className="card verify-result" aria-labelledby="verify-heading" data-shadow={verify?.shadow ?? "building"}>
      <div className="card-header">
        <h3 id="verify-heading">Verify result</h3>
        <span className="badge" data-tone={shadow.tone} data-testid="shadow-state">
          <span className="badge-dot" aria-hidden="true" />
          {shadow.label}
        </span>
      </div>
      {verify === null ? (
        <p className="verify-summary muted">
          {status.state === "running" || status.state === "paused"
            ? `The comparison starts once shadow generation ${status.generation} has replayed the archive and caught up with live events.`
            : "The run stopped before the comparison started."}
        </p>
      ) : (
        <>
          <p className="verify-summary" data-tone={summaryTone(status, verify)} data-testid="verify-summary">
            {summary(status, verify)}
          </p>
          <dl className="counter-grid counter-grid-4" aria-label="Comparison counts">
            {COUNTS.map(({ key, label, hint }) => (
              <div className="counter" key={key} data-verify-count={key} data-notable={key !== "compared" && verify[key] > 0 ? "true" : undefined}>
                <dt>{label}</dt>
                <dd className="num">{formatCount(verify[key])}</dd>
                <p className="counter-hint">{hint}</p>
              </div>
            ))}
          </dl>
          {shadow.text && <p className="verify-shadow-line">{shadow.text}</p>}
          {verify.verdict && (
            <p className="verify-verdict" data-within={verify.verdict.within} data-testid="verify-verdict">
              {verify.verdict.within
                ? "Within the projection's expectation for version bumps: promoted automatically."
                : `Outside the projection's expectation for version bumps (${verify.verdict.reasons.join("; ")}): kept for an operator to promote or discard.`}
            </p>
          )}
          {verify.samples.length > 0 && (
            <DiffSamples
              samples={verify.samples}
              total={differenceCount(verify)}
              activeGeneration={verify.activeGeneration}
              shadowGeneration={status.generation}
            />
          )}
        </>
      )}
      {verify && status.state === "completed" && <ShadowControls status={status} verify={verify} />}
    </section>
  );
}

function summary(status: RebuildStatus, verify: Verify): string {
  const against = verify.activeGeneration === null ? "no active generation" : `active generation ${verify.activeGeneration}`;
  const differences = differenceCount(verify);
  if (verify.shadow === "diffing" && status.state !== "completed") {
    const found = differences === 0 ? "no difference so far" : `${formatCount(differences)} difference${differences === 1 ? "" : "s"} so far`;
    if (status.state === "running")
      return `Comparing shadow generation ${status.generation} with ${against}: ${formatCount(verify.compared)} documents compared, ${found}.`;
    return `The comparison ${status.state === "paused" ? "is paused" : "stopped"} after ${formatCount(verify.compared)} documents, ${found}.`;
  }
  if (verify.activeGeneration === null)
    return `There was no active generation to compare with: all ${formatCount(verify.onlyInShadow)} documents are only in the shadow.`;
  if (differences === 0)
    return `No difference: shadow generation ${status.generation} matches ${against}, all ${formatCount(verify.compared)} documents.`;
  return `${formatCount(differences)} of ${formatCount(verify.compared)} documents differ between ${against} and shadow generation ${status.generation}.`;
}

function summaryTone(status: RebuildStatus, verify: Verify): Tone {
  if (verify.shadow === "diffing" && status.state !== "completed") return "running";
  return differenceCount(verify) === 0 ? "completed" : "paused";
}

/** What became of the shadow generation, from the verify result and the run's state. */
function shadowView(status: RebuildStatus): { label: string; tone: Tone; text?: string } {
  const verify = status.verify;
  const generation = status.generation;
  const active = verify?.activeGeneration ?? null;
  if (status.state === "cancelled") return { label: "Shadow deleted", tone: "cancelled", text: `The run was cancelled: shadow generation ${generation} is deleted.` };
  if (!verify || verify.shadow === "diffing") {
    if (status.state === "failed") return { label: "Comparison stopped", tone: "failed" };
    if (status.state === "paused") return { label: "Paused", tone: "paused" };
    return { label: verify ? "Comparing…" : "Building the shadow…", tone: "running" };
  }
  switch (verify.shadow) {
    case "kept":
      return {
        label: "Shadow kept",
        tone: "paused",
        text: `Shadow generation ${generation} is kept, and live events keep it current. Promote it to make it the active generation, or discard it.`,
      };
    case "discarded":
      return {
        label: "Shadow discarded",
        tone: "cancelled",
        text: `Shadow generation ${generation} was discarded${status.keepShadow ? "" : " once compared"}; ${
          active === null ? "nothing else was touched" : `active generation ${active} was not touched`
        }.`,
      };
    case "promoted":
      return {
        label: "Shadow promoted",
        tone: "completed",
        text: `Shadow generation ${generation} was promoted: it serves queries${active === null ? "" : ` in place of generation ${active}`}.`,
      };
  }
}
