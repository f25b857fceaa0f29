// Convex's transaction limits for every function, lifted only for the runtime's own maintenance.
import { currentExecution } from "./execution-context.ts";

const LIMIT_NAMES = [
  "bytesRead",
  "bytesWritten",
  "databaseQueries",
  "documentsRead",
  "documentsWritten",
  "functionsScheduled",
  "scheduledFunctionArgsBytes",
] as const;

type TransactionLimits = Partial<Record<(typeof LIMIT_NAMES)[number], number>>;

function insideMaintenance(): boolean {
  return currentExecution()?.origin === "maintenance";
}

function isLifted(name: string | symbol): boolean {
  return insideMaintenance() && (LIMIT_NAMES as readonly (string | symbol)[]).includes(name);
}

/**
 * The `transactionLimits` option for convex-test. It reads this object each time a top-level
 * transaction begins (`{ ...defaults, ...config }`): with no keys that means Convex's default
 * limits, enforced like a deployment. Inside the runtime's snapshot and restore transactions,
 * which read or write whole tables at once, every limit reads as Infinity.
 */
export const convexLimitsExceptMaintenance: TransactionLimits = new Proxy<TransactionLimits>(
  {},
  {
    ownKeys: () => (insideMaintenance() ? [...LIMIT_NAMES] : []),
    getOwnPropertyDescriptor: (_target, name) =>
      isLifted(name) ? { value: Infinity, enumerable: true, configurable: true, writable: false } : undefined,
    get: (_target, name) => (isLifted(name) ? Infinity : undefined),
  },
);
