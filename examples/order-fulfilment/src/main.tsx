// The orders admin page: Convex and TanStack Query set up as @convex-dev/react-query documents,
// and a rebuild button per projection. `?convex=<deployment URL>&token=<ID token>`, or VITE_CONVEX_URL.
import { ConvexQueryClient } from "@convex-dev/react-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { createRoot } from "react-dom/client";
import { RebuildButton } from "./RebuildButton";

const params = new URLSearchParams(window.location.search);
const convex = new ConvexReactClient(params.get("convex") ?? import.meta.env.VITE_CONVEX_URL);
const token = params.get("token");
if (token) convex.setAuth(async () => token);
const convexQueryClient = new ConvexQueryClient(convex);
const queryClient = new QueryClient({
  defaultOptions: { queries: { queryKeyHashFn: convexQueryClient.hashFn(), queryFn: convexQueryClient.queryFn() } },
});
convexQueryClient.connect(queryClient);

createRoot(document.getElementById("root")!).render(
  <ConvexProvider client={convex}>
    <QueryClientProvider client={queryClient}>
      <h1>Orders admin</h1>
      <RebuildButton projection="orderSummary" />
      <RebuildButton projection="regionSales" />
    </QueryClientProvider>
  </ConvexProvider>,
);
