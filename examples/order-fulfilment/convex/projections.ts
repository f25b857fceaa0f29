// Two read models of the order events: one document per order, and sales per region and channel.
import * as z from "zod";
import { defineProjection, defineRegistry, requireAttribute } from "reproject";
import { internal } from "./_generated/api";
import { ItemAdded, OrderPlaced, OrderShipped } from "./events";

export const orderSummary = defineProjection({
  name: "orderSummary",
  version: 1,
  complexity: "light",
  // Orders shipped after this projection was deployed and before its first build is live get their
  // e-mail from that build; after that, from live processing only.
  effectsDuringRebuild: "after-previous-version",
  readModel: {
    document: z.object({
      orderId: z.string(),
      customer: z.string(),
      items: z.int().nonnegative(),
      totalCents: z.int().nonnegative(),
      status: z.enum(["open", "placed", "shipped"]),
    }),
    key: ["orderId"],
    initial: ({ orderId }) => ({ orderId, customer: "", items: 0, totalCents: 0, status: "open" as const }),
  },
  events: {
    OrderPlaced: {
      event: OrderPlaced,
      handle: async ({ readModel }, event) => {
        await readModel.update({ orderId: event.streamId }, (order) => ({
          ...order,
          customer: event.payload.customer,
          status: "placed",
        }));
      },
    },
    ItemAdded: {
      event: ItemAdded,
      handle: async ({ readModel }, { streamId, payload }) => {
        await readModel.update({ orderId: streamId }, (order) => ({
          ...order,
          items: order.items + payload.quantity,
          totalCents: order.totalCents + payload.quantity * payload.unitPriceCents,
        }));
      },
    },
    OrderShipped: {
      event: OrderShipped,
      handle: async ({ readModel, effects }, event) => {
        await readModel.update({ orderId: event.streamId }, (order) => ({ ...order, status: "shipped" }));
        effects.schedule(internal.notifications.sendShippingEmail, {
          orderId: event.streamId,
          carrier: event.payload.carrier,
        });
      },
    },
  },
});

export const regionSales = defineProjection({
  name: "regionSales",
  version: 1,
  complexity: "light",
  readModel: {
    document: z.object({ region: z.string(), channel: z.string(), orders: z.int(), revenueCents: z.int() }),
    key: ["region", "channel"],
    initial: ({ region, channel }) => ({ region, channel, orders: 0, revenueCents: 0 }),
  },
  events: {
    OrderPlaced: {
      event: OrderPlaced,
      prefetch: salesKey,
      handle: async ({ readModel }, event) => {
        await readModel.update(salesKey(event), (sales) => ({ ...sales, orders: sales.orders + 1 }));
      },
    },
    ItemAdded: {
      event: ItemAdded,
      prefetch: salesKey,
      handle: async ({ readModel }, event) => {
        const { quantity, unitPriceCents } = event.payload;
        await readModel.update(salesKey(event), (sales) => ({
          ...sales,
          revenueCents: sales.revenueCents + quantity * unitPriceCents,
        }));
      },
    },
  },
});

function salesKey(event: Parameters<typeof requireAttribute>[0]) {
  return { region: requireAttribute(event, "region"), channel: requireAttribute(event, "channel") };
}

export const registry = defineRegistry([orderSummary, regionSales]);
