// `--envelope path/to/envelope.ts[#name]`: the app's own `defineEnvelope` declaration, loaded from
// its module (TypeScript works: the CLI runs under tsx), so the CLI lays out and checks events as
// the app's functions do.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { tsImport } from "tsx/esm/api";
import type { EventEnvelope } from "../../registry/index.ts";
import { UsageError } from "../command.ts";

export async function loadEnvelopeModule(reference: string): Promise<EventEnvelope> {
  const [path, exportName = "envelope"] = reference.split("#") as [string, string?];
  let module: Record<string, unknown>;
  try {
    // As ES modules whatever the app's package.json says (Convex apps are often CommonJS packages).
    module = await tsImport(pathToFileURL(resolve(path)).href, import.meta.url);
  } catch (error) {
    throw new UsageError(`--envelope ${reference}: cannot load ${resolve(path)}: ${(error as Error).message}`);
  }
  const envelope = module[exportName];
  if (!isEnvelope(envelope)) {
    const exported =
      Object.keys(module)
        .filter((name) => name !== "default")
        .join(", ") || "nothing";
    throw new UsageError(
      `--envelope ${reference}: the module has no export "${exportName}" made by defineEnvelope (it exports ${exported}); ` +
        `name the export after "#", e.g. --envelope convex/envelope.ts#envelope`,
    );
  }
  return envelope;
}

function isEnvelope(value: unknown): value is EventEnvelope {
  const candidate = value as Partial<EventEnvelope> | undefined;
  return typeof candidate?.columns?.position === "string" && typeof candidate.attributes === "object";
}
