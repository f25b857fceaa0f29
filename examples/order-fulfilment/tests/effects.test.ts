// Side effects never replay: orderSummary's handler queues a shipping e-mail per shipped order.
// Rebuilding from the archive sends none, a live shipment sends one, and an order shipped while the
// projection's first build ran (no live generation yet) gets its e-mail from that build, once.
import reprojectTest from "reproject/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { orderHistory } from "./history";
import { createApp, importHistory } from "./setup";

const history = orderHistory(300);
const shippedInHistory = history.filter((event) => event.eventType === "OrderShipped").length;
const ops = { subject: "ops-oncall" };
const where = { region: "us-east", channel: "phone" } as const;
let t: ReturnType<typeof createApp>;
const settle = () => reprojectTest.finishRebuilds(t, (ms) => vi.advanceTimersByTime(ms));
const outbox = async () => {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100));
  return (await t.run((ctx) => ctx.db.query("outbox").collect())).map((mail) => mail.orderId);
};

beforeAll(async () => {
  const { archive, lastPosition } = importHistory(history);
  process.env.REPROJECT_ARCHIVE = archive;
  process.env.REPROJECT_ADMIN_SUBJECTS = ops.subject;
  vi.useFakeTimers();
  t = createApp();
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: lastPosition });
});
afterAll(() => vi.useRealTimers());

describe("the shipping e-mail", () => {
  it("is sent by the first build only for an order shipped after the projection was deployed", async () => {
    expect(shippedInHistory).toBeGreaterThan(100);
    await t.mutation(internal.reproject.reconcile, {});
    await t.mutation(api.orders.placeOrder, { orderId: "early-1", customer: "Lin", ...where });
    await t.mutation(api.orders.shipOrder, { orderId: "early-1", carrier: "ups", ...where });
    await settle();
    expect(await t.query(api.orders.order, { orderId: "early-1" })).toMatchObject({ status: "shipped" });
    expect(await outbox()).toEqual(["early-1"]);
  });

  it("is sent once for a live shipment", async () => {
    await t.mutation(api.orders.placeOrder, { orderId: "live-1", customer: "Ada", ...where });
    await t.mutation(api.orders.shipOrder, { orderId: "live-1", carrier: "dhl", ...where });
    expect(await outbox()).toEqual(["early-1", "live-1"]);
  });

  it("is never sent again by a rebuild, a verify run or a dry run", async () => {
    const admin = t.withIdentity(ops);
    for (const options of [{}, { mode: "verify" as const }, { dryRun: true }]) {
      expect(await admin.mutation(api.rebuilds.trigger, { projection: "orderSummary", options })).toMatchObject({
        status: "started",
      });
      await settle();
    }
    expect(await outbox()).toEqual(["early-1", "live-1"]);
    const history = await admin.query(api.rebuilds.history, { projection: "orderSummary", limit: 4 });
    expect(history.map((rebuild) => rebuild.state)).not.toContain("failed");
  });
});
