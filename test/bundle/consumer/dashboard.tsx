// The app's own admin page: a trigger button and a live progress bar, from the installed package.
import { RebuildProgress, useRebuildControls, useRebuildStatus, type RebuildAdminApi } from "reproject/react";

export function RebuildOrders({ admin, rebuildId }: { admin: RebuildAdminApi; rebuildId: string | null }) {
  const controls = useRebuildControls(admin);
  const status = useRebuildStatus(admin, rebuildId);
  return (
    <div>
      <button onClick={() => controls.trigger.mutate({ projection: "orderLines" })}>Rebuild orders</button>
      {status.data ? <RebuildProgress status={status.data} /> : null}
    </div>
  );
}
