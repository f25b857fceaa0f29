// How much of a transaction a loop of like steps may use (a document read and deleted, a row
// swept): it stops before the next step could take the transaction past a share of one of Convex's
// limits, whatever the documents weigh. After each step it reads what the transaction has used
// (`ctx.meta.getTransactionMetrics()`, which also gives the deployment's limits) and keeps room for
// one more step as costly as the costliest so far.
import type { TransactionMetrics } from "convex/server";

/** A transaction aims at half of each limit: what one step costs varies from one step to the next. */
export const LIMIT_SHARE = 0.5;

const BUDGETED_METRICS = ["bytesRead", "bytesWritten", "documentsRead", "documentsWritten", "databaseQueries"] as const;
type BudgetedMetric = (typeof BUDGETED_METRICS)[number];

export interface TransactionMeter {
  getTransactionMetrics(): Promise<TransactionMetrics>;
}

export class TransactionBudget {
  private readonly meter: TransactionMeter;
  private last: TransactionMetrics;
  private readonly costliest: Record<BudgetedMetric, number> = {
    bytesRead: 0,
    bytesWritten: 0,
    documentsRead: 0,
    documentsWritten: 0,
    databaseQueries: 0,
  };

  private constructor(meter: TransactionMeter, start: TransactionMetrics) {
    this.meter = meter;
    this.last = start;
  }

  /** A budget for the steps from here on (what the transaction used before counts against the limits). */
  static async start(meter: TransactionMeter): Promise<TransactionBudget> {
    return new TransactionBudget(meter, await meter.getTransactionMetrics());
  }

  /** Called after each step: whether one more step as costly as the costliest so far stays inside the share of every limit. */
  async roomForAnother(): Promise<boolean> {
    const now = await this.meter.getTransactionMetrics();
    let room = true;
    for (const metric of BUDGETED_METRICS) {
      const { used, remaining } = now[metric];
      this.costliest[metric] = Math.max(this.costliest[metric], used - this.last[metric].used);
      if (used + this.costliest[metric] > (used + remaining) * LIMIT_SHARE) room = false;
    }
    this.last = now;
    return room;
  }
}
