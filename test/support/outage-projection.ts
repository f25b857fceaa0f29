// A projection of an event type the demo archive holds only rarely (see rareType): outages per CDN.
import * as z from "zod";
import { defineEvent, defineProjection, requireAttribute, type DecodedEvent } from "../../src/registry/index.ts";

export const OUTAGE = "Outage";

export const outageEvent = defineEvent(OUTAGE, { versions: { 1: z.looseObject({}) } });

const cdnOf = (event: DecodedEvent<unknown>) => ({ cdn: requireAttribute(event, "cdn") });

export const outagesByCdn = defineProjection({
  name: "outagesByCdn",
  version: 1,
  complexity: "light",
  readModel: {
    document: z.object({ cdn: z.string(), outages: z.int().nonnegative() }),
    key: ["cdn"],
    initial: ({ cdn }) => ({ cdn, outages: 0 }),
  },
  events: {
    [OUTAGE]: {
      event: outageEvent,
      prefetch: cdnOf,
      handle: async ({ readModel }, event) => {
        await readModel.update(cdnOf(event), (doc) => ({ cdn: doc.cdn, outages: doc.outages + 1 }));
      },
    },
  },
});
