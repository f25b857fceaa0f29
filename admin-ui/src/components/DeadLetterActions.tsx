// A rebuild's dead letters: grouped by reason, exported as JSON Lines (every page, downloaded by the
// browser), and re-driven after a fix (dead-letter-key rebuilds, asked first), with the re-drive's outcome.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { DeadLetter, RebuildStatus } from "../data/api-types.ts";
import { deadLettersAsJsonLines, useRedriveDeadLetters, useRedrives } from "../../../src/react/index.ts";
import { ConfirmDialog } from "./ConfirmDialog.tsx";
import { ErrorNotice, RefusalNotice } from "./ErrorNotice.tsx";

/** The shown letters counted by kind and reason, most frequent first. */
export function LettersByReason({ rows }: { rows: readonly DeadLetter[] }) {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(`${row.kind}: ${row.reason}`, (counts.get(`${row.kind}: ${row.reason}`) ?? 0) + 1);
  return (
    <ul className="by-reason" aria-label="Dead letters by reason">
      {[...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([reason, count]) => (
          <li key={reason}>
            <span className="num">{count}</span> <span className="reason">{reason}</span>
          </li>
        ))}
    </ul>
  );
}

export function DeadLetterActions({ status }: { status: RebuildStatus }) {
  const queryClient = useQueryClient();
  const redrive = useRedriveDeadLetters(api.rebuilds);
  const redrives = useRedrives(api.rebuilds, status.rebuildId);
  const [confirming, setConfirming] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const canRedrive =
    status.errorPolicy === "dead-letter-key" && (status.state === "completed" || status.state === "failed");
  const latest = redrives.data?.[0];

  const exportLetters = async () => {
    setExportError(null);
    try {
      const text = await deadLettersAsJsonLines(queryClient, api.rebuilds, status.rebuildId);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      link.download = `dead-letters-${status.rebuildId}.jsonl`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setExportError(error);
    }
  };

  return (
    <div className="controls">
      <div className="button-row">
        <button type="button" className="button" onClick={() => void exportLetters()}>
          Export JSON Lines
        </button>
        {canRedrive && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setConfirming(true)}
            disabled={redrive.isPending || latest?.state === "running"}
          >
            Re-drive
          </button>
        )}
      </div>
      <div className="control-answer" aria-live="polite">
        {exportError !== null && <ErrorNotice error={exportError} title="Could not export the dead letters" />}
        {redrive.error && <ErrorNotice error={redrive.error} title="Could not re-drive the dead letters" />}
        {redrive.data && "reason" in redrive.data && redrive.data.status !== "nothing_pending" && (
          <RefusalNotice
            status={redrive.data.status === "refused" ? "refused" : "rejected"}
            reason={redrive.data.reason}
          />
        )}
        {latest && (
          <p className="answer" role="status" data-answer={latest.state}>
            Re-drive {latest.state}: applied {latest.applied}, still dead-lettered {latest.failedAgain}
            {latest.lastError ? ` (${latest.lastError})` : ""}.
          </p>
        )}
      </div>
      {confirming && (
        <ConfirmDialog
          title={`Re-drive the dead letters of ${status.projection}?`}
          confirmLabel="Re-drive"
          onDismiss={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            redrive.mutate({ rebuildId: status.rebuildId });
          }}
        >
          <p>
            Every dead letter is applied, per key in position order, through the handlers deployed now into generation{" "}
            {status.generation}. A key stops at its first letter that fails again; it stays parked with the new reason.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
