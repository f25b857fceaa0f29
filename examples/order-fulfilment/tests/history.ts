// A deterministic order history as the app would export it (one JSON event per line), and the read
// models it implies, computed here by plain folds independent of the projections' handlers.
const REGIONS = ["eu-west", "us-east", "apac"] as const;
const CHANNELS = ["web", "store", "phone"] as const;

export interface HistoryEvent {
  eventId: string;
  eventType: "OrderPlaced" | "ItemAdded" | "OrderShipped";
  eventVersion: number;
  occurredAt: string;
  streamId: string;
  attributes: { region: string; channel: string };
  payload: Record<string, unknown>;
}

/** `orders` orders of 1-4 items each, most shipped; items before `priceInCentsFrom` are v1 (price in dollars). */
export function orderHistory(orders: number, priceInCentsFrom = Math.floor(orders / 2)): HistoryEvent[] {
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  const events: HistoryEvent[] = [];
  let clock = Date.UTC(2025, 0, 1);
  for (let index = 0; index < orders; index++) {
    const orderId = `order-${index}`;
    const attributes = { region: REGIONS[next(3)]!, channel: CHANNELS[next(3)]! };
    const event = (eventType: HistoryEvent["eventType"], eventVersion: number, payload: Record<string, unknown>) => {
      clock += 60_000 + next(3_600_000);
      events.push({
        eventId: `${orderId}-${events.length}`,
        eventType,
        eventVersion,
        occurredAt: new Date(clock).toISOString(),
        streamId: orderId,
        attributes,
        payload,
      });
    };
    event("OrderPlaced", 1, { customer: `customer-${next(400)}` });
    for (let item = 0, items = 1 + next(4); item < items; item++) {
      const quantity = 1 + next(3);
      const cents = 199 + next(10_000);
      if (index < priceInCentsFrom) event("ItemAdded", 1, { sku: `sku-${next(50)}`, quantity, unitPrice: cents / 100 });
      else event("ItemAdded", 2, { sku: `sku-${next(50)}`, quantity, unitPriceCents: cents });
    }
    if (next(10) < 8) event("OrderShipped", 1, { carrier: next(2) ? "dhl" : "ups" });
  }
  return events;
}

export function toJsonLines(events: readonly HistoryEvent[]): string {
  return `${events.map((event) => JSON.stringify(event)).join("\n")}\n`;
}

const cents = (payload: Record<string, unknown>) =>
  payload.unitPriceCents !== undefined ? Number(payload.unitPriceCents) : Math.round(Number(payload.unitPrice) * 100);

export function expectedOrders(events: readonly HistoryEvent[]) {
  const orders = new Map<
    string,
    { orderId: string; customer: string; items: number; totalCents: number; status: string }
  >();
  for (const { streamId, eventType, payload } of events) {
    const order = orders.get(streamId) ?? { orderId: streamId, customer: "", items: 0, totalCents: 0, status: "open" };
    if (eventType === "OrderPlaced") Object.assign(order, { customer: payload.customer, status: "placed" });
    if (eventType === "ItemAdded") {
      order.items += Number(payload.quantity);
      order.totalCents += Number(payload.quantity) * cents(payload);
    }
    if (eventType === "OrderShipped") order.status = "shipped";
    orders.set(streamId, order);
  }
  return orders;
}

export function expectedSales(events: readonly HistoryEvent[]) {
  const sales = new Map<string, { region: string; channel: string; orders: number; revenueCents: number }>();
  for (const { eventType, attributes, payload } of events) {
    if (eventType === "OrderShipped") continue;
    const key = `${attributes.region}/${attributes.channel}`;
    const row = sales.get(key) ?? { ...attributes, orders: 0, revenueCents: 0 };
    if (eventType === "OrderPlaced") row.orders += 1;
    else row.revenueCents += Number(payload.quantity) * cents(payload);
    sales.set(key, row);
  }
  return sales;
}
