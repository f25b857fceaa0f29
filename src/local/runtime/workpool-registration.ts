// The Workpool component and the batch-worker component it runs its loop on, as
// `@convex-dev/workpool/test` registers them, without its `import.meta.glob` (Vite only).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import { listModules, type ModuleLoader } from "./module-map.ts";

export type AnySchema = SchemaDefinition<GenericSchema, boolean>;

/** The functions and schema of the app ("") or of a component. */
export interface ComponentSource {
  readonly componentPath: string;
  readonly schema: AnySchema | undefined;
  readonly modules: Map<string, ModuleLoader>;
  /** The functions folder the modules were listed from. */
  readonly directory: string;
}

/** The component sources under `directory`; its `schema` module, if any, is the schema. */
export async function loadComponentSource(componentPath: string, directory: string): Promise<ComponentSource> {
  const modules = listModules(directory);
  const loadSchema = modules.get("schema");
  const schema = loadSchema ? ((await loadSchema()).default as AnySchema | undefined) : undefined;
  return { componentPath, schema, modules, directory };
}

/** The Workpool installed as `name` (convex.config.ts: `app.use(workpool, { name })`) and its nested batch worker. */
export async function workpoolComponentSources(name: string): Promise<ComponentSource[]> {
  // Resolve package.json: the packages' `exports` block deep imports of their sources.
  const workpoolDirectory = dirname(createRequire(import.meta.url).resolve("@convex-dev/workpool/package.json"));
  const batchWorkerDirectory = dirname(
    createRequire(join(workpoolDirectory, "package.json")).resolve("@convex-dev/batch-worker/package.json"),
  );
  return Promise.all([
    loadComponentSource(name, join(workpoolDirectory, "src", "component")),
    loadComponentSource(`${name}/batchWorker`, join(batchWorkerDirectory, "src", "component")),
  ]);
}
