// The order events, one contract per type; every version but the latest needs an upcaster.
import * as z from "zod";
import { defineEvent } from "reproject";

const orderAttributes = { region: "string", channel: "string" } as const;

export const OrderPlaced = defineEvent("OrderPlaced", {
  versions: { 1: z.object({ customer: z.string() }) },
  attributes: orderAttributes,
});

export const ItemAdded = defineEvent("ItemAdded", {
  versions: {
    1: z.object({ sku: z.string(), quantity: z.int().positive(), unitPrice: z.number().nonnegative() }),
    2: z.object({ sku: z.string(), quantity: z.int().positive(), unitPriceCents: z.int().nonnegative() }),
  },
  upcasters: { 1: ({ unitPrice, ...item }) => ({ ...item, unitPriceCents: Math.round(unitPrice * 100) }) },
  attributes: orderAttributes,
});

export const OrderShipped = defineEvent("OrderShipped", {
  versions: { 1: z.object({ carrier: z.string() }) },
  attributes: orderAttributes,
});
