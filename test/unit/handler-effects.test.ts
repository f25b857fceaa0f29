// ctx.effects in handlers: requests are kept only where the gate lets them through, only for
// events that were applied, and never on a verify run or a dry run.
import { makeFunctionReference } from "convex/server";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  applyBatch,
  defineEvent,
  defineProjection,
  MemoryReadModelStorage,
  type ApplyBatchOptions,
  type EventRecord,
  type HandlerMode,
} from "../../src/registry/index.ts";

const notify = makeFunctionReference<"mutation", { id: string }>("alerts:notify");
const Pinged = defineEvent("Pinged", { versions: { 1: z.object({ fail: z.boolean() }) } });
const seen: HandlerMode[] = [];
const document = z.object({ id: z.string(), count: z.int() });
const pings = defineProjection({
  name: "pings",
  version: 1,
  complexity: "light",
  readModel: { document, key: ["id"], initial: ({ id }) => ({ id, count: 0 }) },
  events: {
    Pinged: {
      event: Pinged,
      handle: async ({ readModel, effects, mode }, event) => {
        seen.push(mode);
        effects.schedule(notify, { id: event.eventId }, { delayMs: 5 });
        if (event.payload.fail) throw new Error("handler bug");
        await readModel.update({ id: event.streamId }, (doc) => ({ ...doc, count: doc.count + 1 }));
      },
    },
  },
});

const events: EventRecord[] = [1, 2, 3, 4].map((position) => ({
  globalPosition: position,
  eventId: `e${position}`,
  eventType: "Pinged",
  eventVersion: 1,
  occurredAtMs: position,
  streamId: "s",
  attributes: {},
  payload: JSON.stringify({ fail: position === 3 }),
}));

const run = (options: Omit<ApplyBatchOptions<z.output<typeof document>>, "storage" | "policy">) =>
  applyBatch(pings, events, { storage: new MemoryReadModelStorage(), policy: "dead-letter", ...options });

describe("handler effects", () => {
  it("keeps the requests of applied events the gate admits, in order, and drops those of an event that failed", async () => {
    const result = await run({ mode: "live", effects: () => true });
    expect(result.effects.map(({ eventId, position, delayMs }) => [eventId, position, delayMs])).toEqual([
      ["e1", 1, 5],
      ["e2", 2, 5],
      ["e4", 4, 5],
    ]);
    expect(result.effects[0]!.args).toEqual({ id: "e1" });
    const gated = await run({ effects: (position) => position > 2 });
    expect(gated.effects.map((effect) => effect.eventId)).toEqual(["e4"]);
  });

  it("schedules nothing without a gate, on a verify run or on a dry run, and tells the handler why it runs", async () => {
    seen.length = 0;
    expect((await run({})).effects).toEqual([]);
    expect((await run({ mode: "verify", effects: () => true })).effects).toEqual([]);
    expect((await run({ dryRun: true, effects: () => true })).effects).toEqual([]);
    expect([...new Set(seen)]).toEqual(["rebuild", "verify", "dry-run"]);
  });

  it("refuses a projection with an unknown effectsDuringRebuild", () => {
    expect(() =>
      defineProjection({
        name: "odd",
        version: 1,
        complexity: "light",
        effectsDuringRebuild: "always" as "none",
        readModel: { document, key: ["id"], initial: ({ id }) => ({ id, count: 0 }) },
        events: {},
      }),
    ).toThrow(/effectsDuringRebuild must be "none" or "after-previous-version", got always/);
  });
});
