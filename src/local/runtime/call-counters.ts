// Convex function executions, the unit the benchmarks report ("function calls per 1M events").
import type { FunctionStart } from "./execution-context.ts";

export interface FunctionCallCounts {
  queries: number;
  mutations: number;
  actions: number;
  /** How many of the above the scheduler started (scheduled jobs themselves, not what they called). */
  scheduled: number;
}

export interface CallCounts {
  /** The app's own functions, including the ones its functions call and the scheduler runs. */
  app: FunctionCallCounts;
  /** By component path, e.g. "reproject" and "reproject/replayPool" for the Workpool inside it. */
  components: Record<string, FunctionCallCounts>;
  /** Everything above together. */
  total: FunctionCallCounts;
  /** Re-runs of subscribed queries: an artefact of this runtime's change detection, counted apart. */
  subscriptionRefreshes: number;
}

const COUNT_FIELD = { query: "queries", mutation: "mutations", action: "actions" } as const;

function zeroCounts(): FunctionCallCounts {
  return { queries: 0, mutations: 0, actions: 0, scheduled: 0 };
}

export class CallCounters {
  private readonly byComponent = new Map<string, FunctionCallCounts>();
  private subscriptionRefreshes = 0;

  record({ kind, componentPath, scheduled, origin }: FunctionStart): void {
    if (origin === "subscription-refresh") {
      this.subscriptionRefreshes++;
      return;
    }
    let counts = this.byComponent.get(componentPath);
    if (!counts) this.byComponent.set(componentPath, (counts = zeroCounts()));
    counts[COUNT_FIELD[kind]]++;
    if (scheduled) counts.scheduled++;
  }

  snapshot(): CallCounts {
    const total = zeroCounts();
    const components: Record<string, FunctionCallCounts> = {};
    for (const [componentPath, counts] of this.byComponent) {
      if (componentPath !== "") components[componentPath] = { ...counts };
      for (const field of ["queries", "mutations", "actions", "scheduled"] as const) total[field] += counts[field];
    }
    return {
      app: { ...(this.byComponent.get("") ?? zeroCounts()) },
      components,
      total,
      subscriptionRefreshes: this.subscriptionRefreshes,
    };
  }
}
