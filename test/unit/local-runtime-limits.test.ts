// The local runtime refuses what a deployment refuses and convex-test alone lets through: documents
// over 1 MiB, results holding arrays over 8,192 items (returned to a client or to an action), and
// arguments over 5 MiB into a "use node" action.
import { fileURLToPath } from "node:url";
import { anyApi } from "convex/server";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalRuntimeProcess, type LocalRuntimeProcess } from "../../src/local/runtime/runtime-process.ts";

const FIXTURE_APP = fileURLToPath(new URL("../fixtures/convex-app/", import.meta.url));
const MIB = 1 << 20;

describe("the local runtime enforces the limits of a deployment", () => {
  let runtime: LocalRuntimeProcess;
  let client: ConvexHttpClient;
  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ convexDir: FIXTURE_APP });
    client = new ConvexHttpClient(runtime.url);
  });
  afterAll(() => runtime?.stop());

  it("refuses a document over 1 MiB", async () => {
    await expect(client.mutation(anyApi.notes!.add!, { text: "x".repeat(MIB) })).rejects.toThrow(
      /A document of table "notes" is too large: 1,048,\d{3} bytes, over the 1 MiB/,
    );
    expect(await client.query(anyApi.notes!.count!, {})).toBe(0);
  });

  it("fails a query whose result holds more than 8,192 items, for a client and inside an action", async () => {
    await client.mutation(anyApi.notes!.addMany!, { prefix: "n", count: 8_193 });
    expect(await client.query(anyApi.notes!.count!, {})).toBe(8_193);
    await expect(client.query(anyApi.notes!.list!, {})).rejects.toThrow(
      /The value notes:list returned holds an array of 8193 items at value, over the 8192/,
    );
    await expect(client.action(anyApi.notes!.readRepeatedly!, { times: 1 })).rejects.toThrow(
      /The value notes:list returned holds an array of 8193 items/,
    );
  });

  it("takes 5 MiB at most into a Node action, 16 MiB into others", async () => {
    const sixMiB = "x".repeat(6 * MIB);
    await expect(client.action(anyApi.nodeActions!.measure!, { text: sixMiB })).rejects.toThrow(
      /The arguments of nodeActions:measure is too large: 6,291,\d{3} bytes, over the 5 MiB/,
    );
    expect(await client.action(anyApi.nodeActions!.measure!, { text: "x".repeat(4 * MIB) })).toBe(4 * MIB);
    expect(await client.action(anyApi.notes!.echo!, { value: sixMiB })).toHaveLength(6 * MIB);
  });
});
