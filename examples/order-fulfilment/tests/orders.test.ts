// The app's history rebuilt from its Iceberg archive, live orders on top, and a version bump that
// changes the order document's shape, all through the installed package.
import reprojectTest from "reproject/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { reproject } from "../convex/reproject";
import { expectedOrders, expectedSales, orderHistory } from "./history";
import { createApp, importHistory } from "./setup";

const deployed = vi.hoisted(() => ({ version: 1 }));

// A deploy of version 2 of orderSummary: `customer` dropped, `totalCents` now `total`, `shipments` added.
vi.mock("../convex/projections", async (importOriginal) => {
  const original = await importOriginal<typeof import("../convex/projections")>();
  const { orderSummaryV2 } = await import("./order-summary-v2");
  const { defineRegistry } = await import("reproject");
  const registries = { 1: original.registry, 2: defineRegistry([orderSummaryV2, original.regionSales]) };
  return {
    ...original,
    get registry() {
      return registries[deployed.version as 1 | 2];
    },
  };
});

const ORDERS = 1_200;
const history = orderHistory(ORDERS);
const ops = { subject: "ops-oncall", name: "Ops on call" };
let t: ReturnType<typeof createApp>;
const settle = () => reprojectTest.finishRebuilds(t, (ms) => vi.advanceTimersByTime(ms));
const readModel = <Name extends "orderSummary" | "regionSales">(name: Name) =>
  t.run(async (ctx) => (await reproject.activeReadModel(ctx, name)).list(10_000));

beforeAll(async () => {
  const { archive, lastPosition } = importHistory(history);
  process.env.REPROJECT_ARCHIVE = archive;
  process.env.REPROJECT_ADMIN_SUBJECTS = ops.subject;
  vi.useFakeTimers();
  t = createApp();
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: lastPosition });
});
afterAll(() => vi.useRealTimers());

describe("the order-fulfilment app", () => {
  it("builds both read models from the archive, equal to a fold of the history", async () => {
    const answers = await t.mutation(internal.reproject.reconcile, {});
    expect(answers).toEqual(
      expect.arrayContaining([
        { projection: "orderSummary", action: "started" },
        { projection: "regionSales", action: "started" },
      ]),
    );
    await settle();
    const orders = await readModel("orderSummary");
    expect(orders).toHaveLength(ORDERS);
    expect(new Map(orders.map((order) => [order.orderId, order]))).toEqual(expectedOrders(history));
    const sales = await readModel("regionSales");
    expect(new Map(sales.map((row) => [`${row.region}/${row.channel}`, row]))).toEqual(expectedSales(history));
  });

  it("applies live orders in the mutation that records them", async () => {
    const where = { region: "eu-west", channel: "web" } as const;
    const before = await t.query(api.orders.sales, where);
    await t.mutation(api.orders.placeOrder, { orderId: "live-1", customer: "Grace", ...where });
    await t.mutation(api.orders.addItem, {
      orderId: "live-1",
      sku: "sku-1",
      quantity: 2,
      unitPriceCents: 1_250,
      ...where,
    });
    await t.mutation(api.orders.shipOrder, { orderId: "live-1", carrier: "dhl", ...where });
    expect(await t.query(api.orders.order, { orderId: "live-1" })).toEqual({
      orderId: "live-1",
      customer: "Grace",
      items: 2,
      totalCents: 2_500,
      status: "shipped",
    });
    expect(await t.query(api.orders.sales, where)).toEqual({
      ...before,
      orders: before!.orders + 1,
      revenueCents: before!.revenueCents + 2_500,
    });
    await expect(
      t.mutation(api.orders.addItem, { orderId: "live-1", sku: "sku-2", quantity: 0, unitPriceCents: 5, ...where }),
    ).rejects.toThrow(/quantity/);
  });

  it("rebuilds on an admin's trigger, and refuses a caller who is not an admin", async () => {
    const admin = t.withIdentity(ops);
    const stranger = t.withIdentity({ subject: "someone-else" });
    expect(await stranger.mutation(api.rebuilds.trigger, { projection: "regionSales" })).toMatchObject({
      status: "refused",
    });
    const answer = await admin.mutation(api.rebuilds.trigger, { projection: "regionSales" });
    expect(answer).toMatchObject({ status: "started" });
    await settle();
    const status = await admin.query(api.rebuilds.status, { rebuildId: (answer as { rebuildId: string }).rebuildId });
    expect(status).toMatchObject({ state: "completed", triggeredBy: { subject: ops.subject } });
    const sales = await readModel("regionSales");
    expect(sales.reduce((sum, row) => sum + row.orders, 0)).toBe(ORDERS + 1);
  });

  it("deploys a version bump that changes the order document's shape, serving version 1 until version 2 is built", async () => {
    deployed.version = 2;
    vi.resetModules();
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "orderSummary",
      action: "started",
    });
    expect(await t.query(api.orders.order, { orderId: "live-1" })).toMatchObject({
      customer: "Grace",
      totalCents: 2_500,
    });
    await settle();
    expect(await t.query(api.orders.order, { orderId: "live-1" })).toEqual({
      orderId: "live-1",
      items: 2,
      total: { cents: 2_500, currency: "EUR" },
      status: "shipped",
      shipments: 1,
    });
    const orders = await readModel("orderSummary");
    expect(orders).toHaveLength(ORDERS + 1);
    const expected = expectedOrders(history);
    for (const order of orders.filter((doc) => doc.orderId !== "live-1")) {
      const { totalCents, items, status } = expected.get(order.orderId)!;
      expect(order).toEqual({
        orderId: order.orderId,
        items,
        status,
        total: { cents: totalCents, currency: "EUR" },
        shipments: status === "shipped" ? 1 : 0,
      });
    }
  });
});
