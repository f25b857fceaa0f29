// An order-fulfilment app's declarations, written against the installed package only.
import * as z from "zod";
import { defineEnvelope, defineEvent, defineProjection, defineRegistry } from "reproject";

export const envelope = defineEnvelope({
  columns: { position: "seq", stream: "order_id" },
  attributes: { region: "string", channel: "string" },
});

export const OrderPlaced = defineEvent("OrderPlaced", { versions: { 1: z.object({ customer: z.string() }) } });
export const ItemAdded = defineEvent("ItemAdded", { versions: { 1: z.object({ sku: z.string(), quantity: z.int().positive() }) } });

export const orderLines = defineProjection({
  name: "orderLines",
  version: 1,
  complexity: "light",
  readModel: {
    document: z.object({ orderId: z.string(), items: z.int().nonnegative() }),
    key: ["orderId"],
    initial: ({ orderId }) => ({ orderId, items: 0 }),
  },
  events: {
    OrderPlaced: {
      event: OrderPlaced,
      handle: async ({ readModel }, event) => {
        await readModel.update({ orderId: event.streamId }, (order) => order);
      },
    },
    ItemAdded: {
      event: ItemAdded,
      handle: async ({ readModel }, event) => {
        const quantity: number = event.payload.quantity;
        await readModel.update({ orderId: event.streamId }, (order) => ({ ...order, items: order.items + quantity }));
      },
    },
  },
});

export const registry = defineRegistry([orderLines]);
