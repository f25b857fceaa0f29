// Pause, resume and cancel (cancel asks first), of a rebuild or a verify run. Each takes effect at the next batch boundary; the
// backend's answer is shown in words, refusals included.
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { ControlAnswer, RebuildStatus } from "../data/api-types.ts";
import { useRebuildControls } from "../../../src/react/index.ts";
import { ConfirmDialog } from "./ConfirmDialog.tsx";
import { ErrorNotice, RefusalNotice } from "./ErrorNotice.tsx";

type Action = "pause" | "resume" | "cancel";
type Outcome = { action: Action; answer: ControlAnswer } | { action: Action; error: unknown };

const ANSWERS: Record<string, string> = {
  paused: "Paused. The batch in flight finishes, then the rebuild waits at its checkpoint.",
  resumed: "Resumed from its checkpoint.",
  cancelled: "Cancelled. Its partial generation is deleted in the background.",
  not_running: "Not paused: the rebuild is not running any more.",
  not_resumable: "Not resumed: only a paused rebuild, or a failed one while no other rebuild of its projection is active, can resume.",
  not_active: "Not cancelled: the rebuild had already finished.",
};

export function RebuildControls({ status }: { status: RebuildStatus }) {
  const mutations = useRebuildControls(api.rebuilds);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const pending = mutations.pause.isPending || mutations.resume.isPending || mutations.cancel.isPending;

  const run = (action: Action) => {
    setOutcome(null);
    mutations[action].mutate(
      { rebuildId: status.rebuildId },
      {
        onSuccess: (answer) => setOutcome({ action, answer }),
        onError: (error) => setOutcome({ action, error }),
      },
    );
  };

  const canPause = status.state === "running";
  const canResume = status.state === "paused" || status.state === "failed";
  const canCancel = status.state === "running" || status.state === "paused";
  const verify = status.mode === "verify";
  const noun = verify ? "verify run" : "rebuild";
  const name = `${status.projection} ${verify ? "shadow generation" : "generation"} ${status.generation}`;

  return (
    <div className="controls">
      <div className="button-row">
        {canPause && (
          <button type="button" className="button" onClick={() => run("pause")} disabled={pending}>
            Pause
          </button>
        )}
        {canResume && (
          <button type="button" className="button button-primary" onClick={() => run("resume")} disabled={pending}>
            Resume
          </button>
        )}
        {canCancel && (
          <button type="button" className="button button-danger-outline" onClick={() => setConfirmingCancel(true)} disabled={pending}>
            Cancel {noun}
          </button>
        )}
      </div>
      <div className="control-answer" aria-live="polite">
        {outcome && ("answer" in outcome ? <ControlAnswerView answer={outcome.answer} /> : (
          <ErrorNotice error={outcome.error} title={`Could not ${outcome.action} the ${noun}`} />
        ))}
      </div>
      {confirmingCancel && (
        <ConfirmDialog
          title={`Cancel the ${noun} of ${status.projection}?`}
          confirmLabel={`Cancel ${noun}`}
          dismissLabel="Keep it running"
          danger
          onDismiss={() => setConfirmingCancel(false)}
          onConfirm={() => {
            setConfirmingCancel(false);
            run("cancel");
          }}
        >
          <p>
            {name} stops at its next batch boundary and what it wrote so far is deleted. The active read model is not
            touched. This cannot be undone; a new {noun} starts from the beginning.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function ControlAnswerView({ answer }: { answer: ControlAnswer }) {
  if ("reason" in answer) return <RefusalNotice status={answer.status} reason={answer.reason} />;
  return (
    <p className="answer" role="status" data-answer={answer.status}>
      {ANSWERS[answer.status] ?? answer.status}
    </p>
  );
}
