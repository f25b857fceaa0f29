// The app's own API: mutations that record what happened as events (the read models follow in the
// same transaction) and queries that read the active read models.
import { mutation, query } from "./_generated/server";
import { v } from "convex/values";
import { reproject } from "./reproject";

const vWhere = { region: v.string(), channel: v.union(v.literal("web"), v.literal("store"), v.literal("phone")) };

function orderEvent(orderId: string, attributes: { region: string; channel: string }) {
  return { eventId: crypto.randomUUID(), eventVersion: 1, occurredAtMs: Date.now(), streamId: orderId, attributes };
}

export const placeOrder = mutation({
  args: { orderId: v.string(), customer: v.string(), ...vWhere },
  handler: async (ctx, { orderId, customer, region, channel }) => {
    const known = await ctx.db
      .query("customers")
      .withIndex("by_name", (q) => q.eq("name", customer))
      .first();
    if (!known) await ctx.db.insert("customers", { name: customer, region });
    await reproject.appendEvents(ctx, [
      { ...orderEvent(orderId, { region, channel }), eventType: "OrderPlaced", payload: { customer } },
    ]);
  },
});

export const addItem = mutation({
  args: { orderId: v.string(), sku: v.string(), quantity: v.number(), unitPriceCents: v.number(), ...vWhere },
  handler: async (ctx, { orderId, region, channel, ...item }) => {
    await reproject.appendEvents(ctx, [
      { ...orderEvent(orderId, { region, channel }), eventType: "ItemAdded", eventVersion: 2, payload: item },
    ]);
  },
});

export const shipOrder = mutation({
  args: { orderId: v.string(), carrier: v.string(), ...vWhere },
  handler: async (ctx, { orderId, carrier, region, channel }) => {
    await reproject.appendEvents(ctx, [
      { ...orderEvent(orderId, { region, channel }), eventType: "OrderShipped", payload: { carrier } },
    ]);
  },
});

export const order = query({
  args: { orderId: v.string() },
  handler: async (ctx, { orderId }) => (await reproject.activeReadModel(ctx, "orderSummary")).get({ orderId }),
});

export const sales = query({
  args: vWhere,
  handler: async (ctx, key) => (await reproject.activeReadModel(ctx, "regionSales")).get(key),
});
