// Following rebuilds on a local runtime through their status query until they end, with a progress
// bar each: what the CLI shows while `reproject rebuild` or the demo runs.
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api.js";
import type { LocalIdentity } from "../local/runtime/identity.ts";
import { formatCount, type ProgressBar, type ProgressBoard } from "./progress-bar.ts";
import { runFunction, type RuntimeCaller } from "./runtime-calls.ts";

export type RebuildStatus = NonNullable<FunctionReturnType<typeof api.rebuilds.status>>;

/** Often enough for a smooth bar; each poll is one query on the runtime. */
const POLL_INTERVAL_MS = 200;
const ENDED_STATES: ReadonlySet<RebuildStatus["state"]> = new Set(["completed", "failed", "cancelled"]);

export async function rebuildStatus(
  runtime: RuntimeCaller,
  identity: LocalIdentity | undefined,
  rebuildId: string,
): Promise<RebuildStatus> {
  const status = await runFunction(runtime, "query", api.rebuilds.status, { rebuildId }, identity);
  if (!status) throw new Error(`no rebuild has the id ${rebuildId}`);
  return status;
}

export interface WatchedRebuilds {
  /** The statuses the rebuilds ended with, in the order of the ids given. */
  statuses: RebuildStatus[];
  /** Status queries made while watching (they count among the runtime's function calls). */
  polls: number;
}

/** Polls each rebuild until it has completed, failed or been cancelled; a paused one is waited for. */
export async function watchRebuilds(
  runtime: RuntimeCaller,
  /** Who asks, on a local runtime; undefined for a caller that carries its own token. */
  identity: LocalIdentity | undefined,
  rebuildIds: readonly string[],
  options: { board?: ProgressBoard; onStatus?: (status: RebuildStatus) => void } = {},
): Promise<WatchedRebuilds> {
  const bars = new Map<string, ProgressBar>();
  const latest = new Map<string, RebuildStatus>();
  let polls = 0;
  for (;;) {
    for (const rebuildId of rebuildIds) {
      if (latest.has(rebuildId) && ENDED_STATES.has(latest.get(rebuildId)!.state)) continue;
      const status = await rebuildStatus(runtime, identity, rebuildId);
      polls++;
      latest.set(rebuildId, status);
      options.onStatus?.(status);
      // The bar appears once planning has counted the total.
      if (options.board && status.total !== null) {
        let bar = bars.get(rebuildId);
        if (!bar)
          bars.set(rebuildId, (bar = options.board.add(`${status.projection} v${status.version}`, status.total)));
        if (status.lanes.length > 0) bar.setDetail(laneSummary(status.lanes));
        bar.update(status.processed, status.total);
      }
    }
    const statuses = rebuildIds.map((rebuildId) => latest.get(rebuildId)!);
    if (statuses.every((status) => ENDED_STATES.has(status.state))) return { statuses, polls };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** A rebuild in lanes, in a few words: `lanes 4: 2 done`, and the retries if any. */
export function laneSummary(lanes: RebuildStatus["lanes"]): string {
  const done = lanes.filter((lane) => lane.done).length;
  const retried = lanes.reduce((sum, lane) => sum + lane.retried, 0);
  return `lanes ${lanes.length}: ${done} done${retried > 0 ? `, ${formatCount(retried)} retried` : ""}`;
}
