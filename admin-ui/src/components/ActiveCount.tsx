// How many rebuilds are running or paused, next to the navigation link (nothing when unknown).
import { api } from "../../../convex/_generated/api";
import { useActiveRebuilds } from "../../../src/react/index.ts";

export function ActiveCount() {
  const active = useActiveRebuilds(api.rebuilds);
  const count = active.data?.length ?? 0;
  if (count === 0) return null;
  return (
    <span className="nav-count num" aria-label={`${count} active`}>
      {count}
    </span>
  );
}
