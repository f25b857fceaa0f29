// convex-test does not export its database class (DatabaseFake, dist/index.js 0.0.60): it is found
// through the context convex-test keeps in an AsyncLocalStorage, the first time a function runs,
// and handed once to each patch registered for the process.
import { AsyncLocalStorage } from "node:async_hooks";

export type DatabasePatch = (prototype: object) => void;

interface Discovery {
  prototype?: object;
  patches: Map<string, DatabasePatch>;
}

const DISCOVERY = Symbol.for("reproject.convexTest.databaseClass");

/** Applies `patch` (once per `name` and process) to convex-test's database class, now or when it is first seen. */
export function patchDatabaseClass(name: string, patch: DatabasePatch): void {
  const discovery = processDiscovery();
  if (discovery.patches.has(name)) return;
  discovery.patches.set(name, patch);
  if (discovery.prototype) patch(discovery.prototype);
}

function processDiscovery(): Discovery {
  const host = globalThis as { [DISCOVERY]?: Discovery };
  if (host[DISCOVERY]) return host[DISCOVERY];
  const discovery: Discovery = { patches: new Map() };
  host[DISCOVERY] = discovery;
  const getStore = AsyncLocalStorage.prototype.getStore;
  AsyncLocalStorage.prototype.getStore = function (this: AsyncLocalStorage<unknown>) {
    const store = getStore.call(this) as
      { components?: Record<string, { db?: object }>; transactionManager?: unknown } | undefined;
    const db = store?.transactionManager ? store.components?.[""]?.db : undefined;
    if (db) {
      AsyncLocalStorage.prototype.getStore = getStore;
      discovery.prototype = Object.getPrototypeOf(db) as object;
      for (const patch of discovery.patches.values()) patch(discovery.prototype);
    }
    return store;
  };
  return discovery;
}
