// Whether pushed updates are flowing: live, connecting, or lost (said in words, as an alert).
import { useConnectionState } from "../data/hooks.ts";

export function ConnectionIndicator() {
  const connection = useConnectionState();
  const label = connection.status === "live" ? "Live" : connection.status === "connecting" ? "Connecting…" : "Reconnecting…";
  return (
    <span className="connection" data-status={connection.status} title={connection.status === "reconnecting" ? connection.reason : undefined}>
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

export function ConnectionBanner() {
  const connection = useConnectionState();
  if (connection.status !== "reconnecting") return null;
  return (
    <div className="banner" role="alert">
      Live updates interrupted: {connection.reason}. Retrying; what you see may be out of date.
    </div>
  );
}
