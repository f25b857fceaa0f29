// A rebuild's dead letters as JSON Lines, every page of the admin API's deadLetters query in
// position order, fetched through the QueryClient (whatever transport serves it).
import { convexQuery } from "@convex-dev/react-query";
import type { QueryClient } from "@tanstack/react-query";
import type { FunctionArgs } from "convex/server";
import type { RebuildAdminApi } from "./admin-api.ts";

const PAGE = 500;

export async function deadLettersAsJsonLines<Api extends Pick<RebuildAdminApi, "deadLetters">>(
  queryClient: QueryClient,
  api: Api,
  rebuildId: string,
): Promise<string> {
  const lines: string[] = [];
  let after: number | undefined;
  for (;;) {
    const args = { rebuildId, limit: PAGE, ...(after === undefined ? {} : { after }) } as FunctionArgs<
      Api["deadLetters"]
    >;
    const options = (convexQuery as (query: Api["deadLetters"], args: FunctionArgs<Api["deadLetters"]>) => object)(
      api.deadLetters,
      args,
    );
    const page = (await queryClient.fetchQuery(options as never)) as { position: number }[];
    for (const letter of page) lines.push(JSON.stringify(letter));
    if (page.length < PAGE) return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
    after = page[page.length - 1]!.position;
  }
}
