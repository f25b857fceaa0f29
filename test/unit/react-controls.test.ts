// Where reproject/react's mutations run: without a <ConvexProvider>, on the QueryClient's default
// mutationFn, called with the mutation's key; with neither, the hook says what to set up.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { anyApi } from "convex/server";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { useRebuildControls, type RebuildAdminApi, type RebuildControls } from "../../src/react/index.ts";

const admin = anyApi.rebuilds as unknown as RebuildAdminApi;

/** The controls as a component rendered under `client` gets them. */
function renderControls(client: QueryClient): RebuildControls<RebuildAdminApi> {
  let controls: RebuildControls<RebuildAdminApi> | undefined;
  const Probe = () => {
    controls = useRebuildControls(admin);
    return null;
  };
  renderToString(createElement(QueryClientProvider, { client }, createElement(Probe)));
  return controls!;
}

describe("reproject/react controls", () => {
  it("run on the QueryClient's default mutationFn, by key, when there is no ConvexProvider", async () => {
    const calls: unknown[] = [];
    const client = new QueryClient({
      defaultOptions: {
        mutations: {
          mutationFn: async (args, { mutationKey }) => {
            calls.push([mutationKey, args]);
            return { status: "paused", rebuildId: "r1" };
          },
        },
      },
    });
    const answer = await renderControls(client).pause.mutateAsync({ rebuildId: "r1" });
    expect(answer).toEqual({ status: "paused", rebuildId: "r1" });
    expect(calls).toEqual([[["convexMutation", "rebuilds:pause"], { rebuildId: "r1" }]]);
  });

  it("say what to set up when nothing can run them", () => {
    expect(() => renderControls(new QueryClient())).toThrow(
      'rebuilds:trigger has nothing to run it: render the hooks inside <ConvexProvider client={convex}>, or give the QueryClient a default mutationFn for keys ["convexMutation", "module:function"]',
    );
  });
});
