// The app's functions the engine runs (planning and chunk actions, generation deletion, the
// self-check probe), as function handles the app passes with every call that may start work.
import type { MutationCtx, QueryCtx } from "./_generated/server.js";
import type { AppFunctions } from "./validators.ts";

export async function appFunctionsOf(ctx: QueryCtx): Promise<AppFunctions> {
  const stored = await ctx.db.query("appFunctions").first();
  if (!stored) {
    throw new Error(
      "Reproject has no app functions yet: call the component through the functions defineReproject gives the app (they pass them)",
    );
  }
  const { _id, _creationTime, ...functions } = stored;
  return functions;
}

/** Keeps the handles the app passed, so that work chained later (onComplete) finds the current ones. */
export async function rememberAppFunctions(ctx: MutationCtx, functions: AppFunctions): Promise<void> {
  const stored = await ctx.db.query("appFunctions").first();
  if (!stored) await ctx.db.insert("appFunctions", functions);
  else {
    const { _id, _creationTime, ...current } = stored;
    const names = new Set([...Object.keys(current), ...Object.keys(functions)]);
    const changed = [...names].some(
      (name) => current[name as keyof AppFunctions] !== functions[name as keyof AppFunctions],
    );
    if (changed) await ctx.db.replace(stored._id, functions);
  }
}
