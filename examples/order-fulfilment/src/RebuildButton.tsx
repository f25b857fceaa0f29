// A rebuild button with a live progress bar, for the app's own admin page.
import { RebuildProgress, useRebuildControls, useRebuildStatus } from "reproject/react";
import { api } from "../convex/_generated/api";

export function RebuildButton({ projection }: { projection: "orderSummary" | "regionSales" }) {
  const { trigger } = useRebuildControls(api.rebuilds);
  const answer = trigger.data;
  const rebuildId = answer && "rebuildId" in answer ? answer.rebuildId : null;
  const status = useRebuildStatus(api.rebuilds, rebuildId).data;
  return (
    <div className="rebuild">
      <button onClick={() => trigger.mutate({ projection })} disabled={trigger.isPending}>
        Rebuild {projection}
      </button>
      {answer && "reason" in answer && <p role="alert">{answer.reason}</p>}
      {status && <RebuildProgress status={status} />}
    </div>
  );
}
