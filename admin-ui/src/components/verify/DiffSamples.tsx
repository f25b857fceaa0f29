// The differences a verify run sampled, one block per document: its key and kind, then for a changed
// document every field side by side (active → shadow) with the changed ones highlighted, and for a
// document on one side only, that document.
import type { ReactNode } from "react";
import type { DiffSample } from "../../data/api-types.ts";
import { formatCount } from "../../format.ts";
import type { Tone } from "../StateBadge.tsx";

const KINDS: Record<DiffSample["kind"], { label: string; tone: Tone; note: string }> = {
  changed: { label: "Changed", tone: "paused", note: "" },
  only_in_active: { label: "Only in active", tone: "failed", note: "Not in the shadow: a rebuild would remove it." },
  only_in_shadow: { label: "Only in shadow", tone: "running", note: "Not in the active generation: a rebuild would add it." },
};

export function DiffSamples({
  samples,
  total,
  activeGeneration,
  shadowGeneration,
}: {
  samples: DiffSample[];
  /** Differences found in all (the samples are the first ones, capped). */
  total: number;
  activeGeneration: number | null;
  shadowGeneration: number;
}) {
  const activeLabel = <SideLabel side="Active" generation={activeGeneration} />;
  const shadowLabel = <SideLabel side="Shadow" generation={shadowGeneration} />;
  return (
    <section className="diff-samples" aria-labelledby="diff-samples-heading">
      <div className="diff-samples-header">
        <h4 id="diff-samples-heading">Sampled differences</h4>
        <span className="muted num">
          {samples.length < total ? `the first ${formatCount(samples.length)} of ${formatCount(total)}` : `all ${formatCount(total)}`}
        </span>
      </div>
      <ol className="diff-list">
        {samples.map((sample) => (
          <li key={`${sample.kind}:${sample.key}`}>
            <DiffSampleView sample={sample} activeLabel={activeLabel} shadowLabel={shadowLabel} />
          </li>
        ))}
      </ol>
    </section>
  );
}

/** "Active · gen 3" (on phones, the generation goes under the side's name). */
function SideLabel({ side, generation }: { side: string; generation: number | null }) {
  return (
    <>
      {side}
      {generation !== null && <span className="diff-gen">gen {generation}</span>}
    </>
  );
}

function DiffSampleView({ sample, activeLabel, shadowLabel }: { sample: DiffSample; activeLabel: ReactNode; shadowLabel: ReactNode }) {
  const kind = KINDS[sample.kind];
  const changed = new Set(sample.fields ?? []);
  const active = asDocument(sample.active);
  const shadow = asDocument(sample.shadow);
  return (
    <article className="diff-sample" data-kind={sample.kind} data-key={sample.key} aria-label={`${kind.label}: ${sample.key}`}>
      <div className="diff-sample-header">
        <span className="badge" data-tone={kind.tone}>
          {kind.label}
        </span>
        <code className="diff-key" title="Document key">
          {sample.key}
        </code>
        <span className="diff-note">
          {sample.kind === "changed"
            ? `${changed.size} field${changed.size === 1 ? "" : "s"} changed: ${[...changed].join(", ")}`
            : kind.note}
        </span>
      </div>
      {sample.kind === "changed" ? (
        <table className="diff-table" data-columns="3">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">{activeLabel}</th>
              <th scope="col">
                <span aria-hidden="true">→ </span>
                {shadowLabel}
              </th>
            </tr>
          </thead>
          <tbody>
            {fieldNames(active, shadow).map((field) => {
              const isChanged = changed.has(field);
              return (
                <tr key={field} data-field={field} data-changed={isChanged || undefined}>
                  <th scope="row">
                    {field}
                    {isChanged && <span className="visually-hidden"> (changed)</span>}
                  </th>
                  <td data-side="active">
                    <Value value={active[field]} present={field in active} />
                  </td>
                  <td data-side="shadow">
                    <Value value={shadow[field]} present={field in shadow} />
                    {isChanged && <Delta from={active[field]} to={shadow[field]} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <table className="diff-table" data-columns="2">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">{sample.kind === "only_in_active" ? activeLabel : shadowLabel}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(sample.kind === "only_in_active" ? active : shadow).map(([field, value]) => (
              <tr key={field} data-field={field}>
                <th scope="row">{field}</th>
                <td>
                  <Value value={value} present />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

function asDocument(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The active document's field order, then fields only the shadow has. */
function fieldNames(active: Record<string, unknown>, shadow: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(active), ...Object.keys(shadow)])];
}

function Value({ value, present }: { value: unknown; present: boolean }) {
  if (!present) return <span className="diff-absent">absent</span>;
  return <span className="diff-value">{typeof value === "string" ? value : JSON.stringify(value)}</span>;
}

/** +3 / −2 next to a changed number; written like the values (no grouping: they are data, not counts). */
function Delta({ from, to }: { from: unknown; to: unknown }) {
  if (typeof from !== "number" || typeof to !== "number") return null;
  const delta = to - from;
  if (delta === 0) return null;
  return (
    <span className="diff-delta num">
      {delta > 0 ? "+" : "−"}
      {String(Math.abs(delta))}
    </span>
  );
}
