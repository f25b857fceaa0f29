// Rebuilds running or paused right now, with live progress.
import { api } from "../../../convex/_generated/api";
import { useActiveRebuilds } from "../../../src/react/index.ts";
import { QueryView } from "../components/QueryView.tsx";
import { RebuildCard } from "../components/RebuildCard.tsx";
import { ScreenHeader } from "../components/ScreenHeader.tsx";

export function ActiveRebuildsScreen() {
  const active = useActiveRebuilds(api.rebuilds);
  return (
    <section aria-labelledby="active-heading">
      <ScreenHeader id="active-heading" title="Active rebuilds" lede="Running and paused rebuilds. Progress updates as batches commit." />
      <QueryView query={active} what="active rebuilds">
        {(rebuilds) =>
          rebuilds.length === 0 ? (
            <div className="card empty-state">
              <p>No rebuild is running.</p>
              <a className="button" href="#/projections">
                Start one from Projections
              </a>
            </div>
          ) : (
            <div className="card-list">
              {[...rebuilds]
                .sort((a, b) => b.startedAt - a.startedAt)
                .map((status) => (
                  <RebuildCard key={status.rebuildId} status={status} />
                ))}
            </div>
          )
        }
      </QueryView>
    </section>
  );
}
