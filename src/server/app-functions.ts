// The app's functions the component runs (planning and chunk actions, generation deletion, the
// self-check probe), as function handles passed with every call that may start work.
import { createFunctionHandle } from "convex/server";
import type { AppFunctions } from "../component/validators.ts";
import { numberSetting } from "./settings.ts";
import type { Wiring } from "./wiring.ts";

export async function appFunctions({ refs, notify }: Pick<Wiring, "refs" | "notify">): Promise<AppFunctions> {
  // Unset (0): the component's default.
  const replayParallelism = Math.floor(numberSetting("REPROJECT_REPLAY_PARALLELISM", 0, 1));
  return {
    plan: await createFunctionHandle(refs.plan),
    chunk: await createFunctionHandle(refs.chunk),
    deleteGeneration: await createFunctionHandle(refs.deleteGeneration),
    selfCheck: await createFunctionHandle(refs.probeNodeRuntime),
    ...(notify ? { notify: await createFunctionHandle(notify) } : {}),
    ...(replayParallelism ? { replayParallelism } : {}),
  };
}
