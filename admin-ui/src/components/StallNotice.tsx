// What the watchdog found: a rebuild with no chunk in flight and no progress, resumed or not.
import type { RebuildStatus } from "../data/api-types.ts";
import { Timestamp } from "./Timestamp.tsx";

export function StallNotice({ status }: { status: RebuildStatus }) {
  const stall = status.stall;
  if (!stall || (!status.stalled && stall.resumes === 0)) return null;
  if (!status.stalled) {
    return (
      <p className="card-line muted" data-testid="stall-notice">
        Resumed by the watchdog {stall.resumes}× (last found stalled at <Timestamp ms={stall.detectedAt} />
        ).
      </p>
    );
  }
  return (
    <p className="card-line" data-testid="stall-notice" role="status">
      Stalled: no chunk in flight and no progress since <Timestamp ms={stall.lastProgressAt} />.{" "}
      {stall.error
        ? `The watchdog could not resume it: ${stall.error}`
        : "The watchdog resumed it from its checkpoint; waiting for the next chunk."}
    </p>
  );
}
