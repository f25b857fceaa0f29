// orderSummary as a later deploy declares it: version 2, with a document of another shape.
import * as z from "zod";
import { defineProjection } from "reproject";
import { ItemAdded, OrderPlaced, OrderShipped } from "../convex/events";

export const orderSummaryV2 = defineProjection({
  name: "orderSummary",
  version: 2,
  complexity: "light",
  readModel: {
    document: z.object({
      orderId: z.string(),
      items: z.int().nonnegative(),
      total: z.object({ cents: z.int().nonnegative(), currency: z.literal("EUR") }),
      status: z.enum(["open", "placed", "shipped"]),
      shipments: z.int().nonnegative(),
    }),
    key: ["orderId"],
    initial: ({ orderId }) => ({
      orderId,
      items: 0,
      total: { cents: 0, currency: "EUR" as const },
      status: "open" as const,
      shipments: 0,
    }),
  },
  events: {
    OrderPlaced: {
      event: OrderPlaced,
      handle: async ({ readModel }, { streamId }) => {
        await readModel.update({ orderId: streamId }, (order) => ({ ...order, status: "placed" }));
      },
    },
    ItemAdded: {
      event: ItemAdded,
      handle: async ({ readModel }, { streamId, payload }) => {
        await readModel.update({ orderId: streamId }, (order) => ({
          ...order,
          items: order.items + payload.quantity,
          total: { cents: order.total.cents + payload.quantity * payload.unitPriceCents, currency: "EUR" },
        }));
      },
    },
    OrderShipped: {
      event: OrderShipped,
      handle: async ({ readModel }, { streamId }) => {
        await readModel.update({ orderId: streamId }, (order) => ({
          ...order,
          status: "shipped",
          shipments: order.shipments + 1,
        }));
      },
    },
  },
});
