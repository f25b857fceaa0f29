// Starting a rebuild: options, then a review to confirm, then the backend's answer.
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { ProjectionInfo, RebuildOptions } from "../../data/api-types.ts";
import { useRebuildControls } from "../../../../src/react/index.ts";
import { ErrorNotice } from "../ErrorNotice.tsx";
import { Modal } from "../Modal.tsx";
import { buildOptions, initialForm, type TriggerForm } from "./trigger-form.ts";
import { TriggerAnswerView } from "./TriggerAnswerView.tsx";
import { TriggerOptionsFields } from "./TriggerOptionsFields.tsx";
import { TriggerReview } from "./TriggerReview.tsx";

type Step = { step: "options" } | { step: "review"; options: RebuildOptions };

export function TriggerDialog({
  projections,
  initialProjection,
  onClose,
}: {
  projections: ProjectionInfo[] | null;
  initialProjection: string;
  onClose: () => void;
}) {
  const titleId = useId();
  const knownTypes = (name: string) => (projections ? (projections.find((p) => p.name === name)?.eventTypes ?? []) : null);
  const lanesOf = (name: string) => projections?.find((p) => p.name === name)?.lanes ?? null;
  const [form, setForm] = useState<TriggerForm>(() =>
    initialForm(initialProjection, knownTypes(initialProjection) ?? [], lanesOf(initialProjection)),
  );
  const [step, setStep] = useState<Step>({ step: "options" });
  const [problems, setProblems] = useState<string[]>([]);
  const { trigger } = useRebuildControls(api.rebuilds);
  const verify = step.step === "review" ? step.options.mode === "verify" : form.mode === "verify";
  const run = verify ? "verify run" : "rebuild";
  const activeGeneration = projections ? (projections.find((p) => p.name === form.projection.trim())?.activeGeneration ?? null) : undefined;

  const review = () => {
    const built = buildOptions(form, knownTypes(form.projection), lanesOf(form.projection));
    if (!built.ok) return setProblems(built.problems);
    setProblems([]);
    setStep({ step: "review", options: built.options });
  };

  const start = (options: RebuildOptions) =>
    trigger.mutate({ projection: form.projection.trim(), ...(Object.keys(options).length > 0 ? { options } : {}) });

  return (
    <Modal labelledBy={titleId} onClose={onClose} className="modal-wide">
      <form
        className="modal-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (step.step === "options") review();
          else if (!trigger.isPending && !trigger.data) start(step.options);
        }}
      >
        <div className="modal-body">
          <h2 id={titleId} className="modal-title">
            {trigger.data
              ? "rebuildId" in trigger.data
                ? `${verify ? "Verify run" : "Rebuild"} requested`
                : `${verify ? "Verify run" : "Rebuild"} not started`
              : step.step === "review"
                ? `Start this ${run}?`
                : `${verify ? "Verify" : "Rebuild"} ${form.projection || "a projection"}`}
          </h2>
          {step.step === "options" ? (
            <>
              <TriggerOptionsFields form={form} onChange={setForm} projections={projections} />
              {problems.length > 0 && (
                <div className="notice" data-tone="error" role="alert">
                  <p className="notice-title">Fix these first</p>
                  <ul className="notice-list">
                    {problems.map((problem) => (
                      <li key={problem}>{problem}</li>
                    ))}
                  </ul>
                </div>
              )}
            </>
          ) : trigger.data ? (
            <TriggerAnswerView projection={form.projection} answer={trigger.data} verify={verify} onFollow={onClose} />
          ) : (
            <>
              <TriggerReview
                projection={form.projection}
                options={step.options}
                activeGeneration={activeGeneration}
                lanes={lanesOf(form.projection)}
              />
              {trigger.isError && <ErrorNotice error={trigger.error} title={`Could not start the ${run}`} />}
            </>
          )}
        </div>
        <div className="modal-actions">
          {trigger.data ? (
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
          ) : step.step === "options" ? (
            <>
              <button type="button" className="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="button button-primary">
                Review
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button" onClick={() => setStep({ step: "options" })} disabled={trigger.isPending}>
                Back
              </button>
              <button type="submit" className="button button-primary" disabled={trigger.isPending} autoFocus>
                {trigger.isPending ? "Starting…" : `Start ${run}`}
              </button>
            </>
          )}
        </div>
      </form>
    </Modal>
  );
}
