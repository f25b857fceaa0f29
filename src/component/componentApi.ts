// The type of `components.reproject` in an app: the component's public functions, as the app
// references them (offline codegen does not emit it; see scripts/codegen.mjs).
import type { FunctionReference } from "convex/server";
import type { api } from "./_generated/api.js";

type Mounted<Api, Name extends string | undefined> = {
  [Key in keyof Api]: Api[Key] extends FunctionReference<infer Type, "public", infer Args, infer Returns>
    ? FunctionReference<Type, "internal", Args, Returns, Name>
    : Mounted<Api[Key], Name>;
};

export type ComponentApi<Name extends string | undefined = string | undefined> = Mounted<typeof api, Name>;
