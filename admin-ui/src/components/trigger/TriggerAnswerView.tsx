// The backend's answer to a trigger: started, already running, resumed, or refused / rejected with
// the reason.
import type { TriggerAnswer } from "../../data/api-types.ts";
import { rebuildHref } from "../../routing.ts";
import { RefusalNotice } from "../ErrorNotice.tsx";

const ANSWERS = {
  started: { title: "Rebuild started", text: (projection: string) => `${projection} is rebuilding. Progress updates live.` },
  already_running: {
    title: "Already running",
    text: (projection: string) => `A rebuild of ${projection} is already running; nothing new was started.`,
  },
  resumed: {
    title: "Resumed",
    text: (projection: string) => `${projection} had a paused rebuild: it resumed from its checkpoint instead of starting over.`,
  },
} as const;

const VERIFY_STARTED = {
  title: "Verify run started",
  text: (projection: string) =>
    `${projection} is being rebuilt into a shadow generation, then compared with the active one. Progress and differences update live.`,
};

export function TriggerAnswerView({
  projection,
  answer,
  verify,
  onFollow,
}: {
  projection: string;
  answer: TriggerAnswer;
  /** The operator asked for a verify run. */
  verify: boolean;
  onFollow: () => void;
}) {
  if (!("rebuildId" in answer)) return <RefusalNotice status={answer.status} reason={answer.reason} />;
  const { title, text } = verify && answer.status === "started" ? VERIFY_STARTED : ANSWERS[answer.status];
  return (
    <div className="notice" data-tone={answer.status === "already_running" ? "info" : "success"} role="status" data-answer={answer.status}>
      <p className="notice-title">{title}</p>
      <p className="notice-body">{text(projection)}</p>
      <p className="notice-body muted">
        Rebuild <code>{answer.rebuildId}</code>
      </p>
      <a className="button button-primary" href={rebuildHref(answer.rebuildId)} onClick={onFollow}>
        Follow its progress
      </a>
    </div>
  );
}
