// A rebuild button with a live progress bar and pause / resume / cancel, for the app's admin page.
import { RebuildProgress, useRebuildControls, useRebuildStatus } from "reproject/react";
import { api } from "../convex/_generated/api";

export function RebuildButton({ projection }: { projection: "orderSummary" | "regionSales" }) {
  const { trigger, pause, resume, cancel } = useRebuildControls(api.rebuilds);
  const answer = trigger.data;
  const status = useRebuildStatus(api.rebuilds, answer && "rebuildId" in answer ? answer.rebuildId : null).data;
  return (
    <section aria-label={projection}>
      <button onClick={() => trigger.mutate({ projection })} disabled={trigger.isPending}>
        Rebuild {projection}
      </button>
      {answer && <p role="status">{"reason" in answer ? `${answer.status}: ${answer.reason}` : answer.status}</p>}
      {status && (
        <>
          <RebuildProgress status={status} />
          <button onClick={() => pause.mutate({ rebuildId: status.rebuildId })}>Pause</button>
          <button onClick={() => resume.mutate({ rebuildId: status.rebuildId })}>Resume</button>
          <button onClick={() => cancel.mutate({ rebuildId: status.rebuildId })}>Cancel</button>
        </>
      )}
    </section>
  );
}
