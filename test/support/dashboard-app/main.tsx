// An app's own admin page as the README shows it: the standard `@convex-dev/react-query` setup, a
// trigger button and a live progress bar from reproject/react, and pause / resume / cancel. The
// browser test of the hooks serves it with Vite: `?convex=<deployment URL>&token=<ID token>`.
import { ConvexQueryClient } from "@convex-dev/react-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { createRoot } from "react-dom/client";
import { api } from "../../../convex/_generated/api";
import { RebuildProgress, useRebuildControls, useRebuildStatus } from "../../../src/react/index.ts";

const params = new URLSearchParams(window.location.search);
const convex = new ConvexReactClient(params.get("convex")!);
const token = params.get("token");
if (token) convex.setAuth(async () => token);
const convexQueryClient = new ConvexQueryClient(convex);
const queryClient = new QueryClient({
  defaultOptions: { queries: { queryKeyHashFn: convexQueryClient.hashFn(), queryFn: convexQueryClient.queryFn() } },
});
convexQueryClient.connect(queryClient);

function RebuildPanel({ projection }: { projection: string }) {
  const { trigger, pause, resume, cancel } = useRebuildControls(api.rebuilds);
  const answer = trigger.data;
  const status = useRebuildStatus(api.rebuilds, answer && "rebuildId" in answer ? answer.rebuildId : null).data;
  return (
    <section>
      <button onClick={() => trigger.mutate({ projection })} disabled={trigger.isPending}>
        Rebuild {projection}
      </button>
      {answer && <p role="status">{"reason" in answer ? `${answer.status}: ${answer.reason}` : answer.status}</p>}
      {status && (
        <>
          <RebuildProgress status={status} />
          <button onClick={() => pause.mutate({ rebuildId: status.rebuildId })}>Pause</button>
          <button onClick={() => resume.mutate({ rebuildId: status.rebuildId })}>Resume</button>
          <button onClick={() => cancel.mutate({ rebuildId: status.rebuildId })}>Cancel</button>
        </>
      )}
    </section>
  );
}

createRoot(document.getElementById("root")!).render(
  <ConvexProvider client={convex}>
    <QueryClientProvider client={queryClient}>
      <RebuildPanel projection={params.get("projection") ?? "rebufferByCdn"} />
    </QueryClientProvider>
  </ConvexProvider>,
);
