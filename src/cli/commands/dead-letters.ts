// `reproject rebuilds dead-letters <rebuildId>`: a rebuild's dead letters counted by reason, exported
// as JSON Lines (every page of the admin API's deadLetters query), or re-driven after a fix and
// followed until the re-drive ends.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { api } from "../../../convex/_generated/api.js";
import { formatCount } from "../progress-bar.ts";
import { runFunction, type RuntimeCaller } from "../runtime-calls.ts";

const PAGE = 500;
const REDRIVE_POLL_MS = 500;

export async function deadLetters(
  caller: RuntimeCaller,
  rebuildId: string,
  { exportTo, redrive }: { exportTo?: string; redrive?: boolean },
): Promise<number> {
  if (redrive) return redriveLetters(caller, rebuildId);
  const byReason = new Map<string, number>();
  const out = exportTo ? createWriteStream(exportTo) : null;
  let total = 0;
  for await (const letter of everyLetter(caller, rebuildId)) {
    total++;
    const reason = `${letter.kind}: ${letter.reason}`;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    if (out && !out.write(`${JSON.stringify(letter)}\n`)) await once(out, "drain");
  }
  if (out) {
    out.end();
    await once(out, "finish");
  }
  for (const [reason, count] of [...byReason].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`${formatCount(count).padStart(9)}  ${reason}\n`);
  process.stdout.write(`${formatCount(total)} dead letters${exportTo ? `, written to ${exportTo}` : ""}\n`);
  return 0;
}

async function* everyLetter(caller: RuntimeCaller, rebuildId: string) {
  let after: number | undefined;
  for (;;) {
    const page = await runFunction(caller, "query", api.rebuilds.deadLetters, {
      rebuildId,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.position;
  }
}

async function redriveLetters(caller: RuntimeCaller, rebuildId: string): Promise<number> {
  const answer = await runFunction(caller, "mutation", api.rebuilds.redriveDeadLetters, { rebuildId });
  if ("reason" in answer) {
    process.stdout.write(`re-drive ${rebuildId}: ${answer.status}: ${answer.reason}\n`);
    return answer.status === "nothing_pending" ? 0 : 1;
  }
  for (;;) {
    const [latest] = await runFunction(caller, "query", api.rebuilds.redrives, { rebuildId });
    if (latest && latest._id === answer.redriveId && latest.state !== "running") {
      process.stdout.write(
        `re-drive ${rebuildId}: ${latest.state}, applied ${formatCount(latest.applied)}, ` +
          `still dead-lettered ${formatCount(latest.failedAgain)}${latest.lastError ? `: ${latest.lastError}` : ""}\n`,
      );
      return latest.state === "completed" && latest.failedAgain === 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, REDRIVE_POLL_MS));
  }
}
