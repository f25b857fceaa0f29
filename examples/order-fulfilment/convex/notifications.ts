// The shipping e-mail, as an outbox row: scheduled by orderSummary's handler for a shipped order,
// once, when the order ships (never again when the read model is rebuilt).
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";

export const sendShippingEmail = internalMutation({
  args: { orderId: v.string(), carrier: v.string() },
  handler: async (ctx, { orderId, carrier }) => {
    await ctx.db.insert("outbox", { kind: "shipping-email", orderId, carrier, queuedAt: Date.now() });
  },
});
