import { formatTime } from "../format.ts";

export function Timestamp({ ms }: { ms: number | null | undefined }) {
  if (ms === null || ms === undefined) return <span className="muted">—</span>;
  return (
    <time className="num" dateTime={new Date(ms).toISOString()}>
      {formatTime(ms)}
    </time>
  );
}
