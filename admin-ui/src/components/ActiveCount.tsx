// How many rebuilds are running or paused, next to the navigation link (nothing when unknown).
import { api } from "../../../convex/_generated/api";
import { useConvexQuery } from "../data/hooks.ts";

export function ActiveCount() {
  const active = useConvexQuery(api.rebuilds.listActive, {});
  const count = active.data?.length ?? 0;
  if (count === 0) return null;
  return (
    <span className="nav-count num" aria-label={`${count} active`}>
      {count}
    </span>
  );
}
