// Promote or discard a verify run's kept shadow, each after a confirmation. The backend's answer is
// shown in words (refusals included) and stays after the buttons go, since the shadow is no longer
// kept once either is done.
import { useState } from "react";
import { api } from "../../../../convex/_generated/api";
import type { ControlAnswer, RebuildStatus, VerifyResult } from "../../data/api-types.ts";
import { useProjections, useRebuildControls } from "../../../../src/react/index.ts";
import { formatCount } from "../../format.ts";
import { ConfirmDialog } from "../ConfirmDialog.tsx";
import { ErrorNotice, RefusalNotice } from "../ErrorNotice.tsx";
import { Fact, Facts } from "../Facts.tsx";

type Action = "promote" | "discard";
/** `replaced`: the generation serving queries when the operator confirmed. */
type Outcome = { action: Action; replaced: number | null } & ({ answer: ControlAnswer } | { error: unknown });

export function ShadowControls({ status, verify }: { status: RebuildStatus; verify: VerifyResult }) {
  const mutations = useRebuildControls(api.rebuilds);
  const kept = verify.shadow === "kept";
  // The generation serving queries now (a rebuild may have completed since the comparison).
  const projections = useProjections(api.rebuilds);
  const current = projections.data?.find((p) => p.name === status.projection)?.activeGeneration ?? verify.activeGeneration;
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const pending = mutations.promote.isPending || mutations.discard.isPending;

  const run = (action: Action) => {
    const replaced = current;
    setConfirming(null);
    setOutcome(null);
    mutations[action].mutate(
      { rebuildId: status.rebuildId },
      {
        onSuccess: (answer) => setOutcome({ action, replaced, answer }),
        onError: (error) => setOutcome({ action, replaced, error }),
      },
    );
  };

  if (!kept && !outcome) return null;
  const shadow = status.generation;
  const differences = `${formatCount(verify.changed)} changed · ${formatCount(verify.onlyInActive)} only in active · ${formatCount(verify.onlyInShadow)} only in shadow`;
  return (
    <div className="card-footer card-footer-stack shadow-controls">
      {kept && (
        <div className="button-row">
          <button type="button" className="button button-primary" onClick={() => setConfirming("promote")} disabled={pending}>
            Promote shadow
          </button>
          <button type="button" className="button button-danger-outline" onClick={() => setConfirming("discard")} disabled={pending}>
            Discard shadow
          </button>
        </div>
      )}
      <div className="control-answer" aria-live="polite">
        {outcome &&
          ("answer" in outcome ? (
            <AnswerView answer={outcome.answer} projection={status.projection} shadow={shadow} replaced={outcome.replaced} />
          ) : (
            <ErrorNotice error={outcome.error} title={`Could not ${outcome.action} the shadow`} />
          ))}
      </div>
      {confirming === "promote" && (
        <ConfirmDialog
          title={`Promote the shadow of ${status.projection}?`}
          confirmLabel={`Promote generation ${shadow}`}
          onDismiss={() => setConfirming(null)}
          onConfirm={() => run("promote")}
        >
          <p>
            Shadow generation {shadow} becomes the active generation: queries read it from now on
            {current === null ? "." : `, and generation ${current} is deleted in the background.`} This cannot be undone; a
            new rebuild is the way back.
          </p>
          <Facts>
            <Fact label="Becomes active">generation {shadow}</Fact>
            <Fact label="Replaced">{current === null ? "nothing (never built)" : `generation ${current}`}</Fact>
            <Fact label="Differences">{differences}</Fact>
          </Facts>
        </ConfirmDialog>
      )}
      {confirming === "discard" && (
        <ConfirmDialog
          title={`Discard the shadow of ${status.projection}?`}
          confirmLabel="Discard shadow"
          dismissLabel="Keep it"
          danger
          onDismiss={() => setConfirming(null)}
          onConfirm={() => run("discard")}
        >
          <p>
            Shadow generation {shadow} is deleted in the background and can no longer be promoted.{" "}
            {current === null ? "" : `Active generation ${current} is not touched. `}The differences recorded here stay.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AnswerView({
  answer,
  projection,
  shadow,
  replaced,
}: {
  answer: ControlAnswer;
  projection: string;
  shadow: number;
  replaced: number | null;
}) {
  if ("reason" in answer) return <RefusalNotice status={answer.status} reason={answer.reason} />;
  const text: Record<string, string> = {
    promoted: `Promoted. Generation ${shadow} now serves queries${replaced === null || replaced === shadow ? "" : `; generation ${replaced} is deleted in the background`}.`,
    not_promotable: `Not promoted: this shadow can no longer be promoted. It was promoted or discarded already, or a newer verify run of ${projection} replaced it.`,
    discarded: "Discarded. The shadow is deleted in the background; the active generation was not touched.",
    not_kept: "Not discarded: the shadow is no longer kept (it was promoted or discarded already).",
  };
  const succeeded = answer.status === "promoted" || answer.status === "discarded";
  return (
    <p className="answer" role="status" data-answer={answer.status} data-tone={succeeded ? "completed" : "neutral"}>
      {text[answer.status] ?? answer.status}
    </p>
  );
}
