// The registry: every projection the app declares, looked up by name. Its version fingerprint is
// what deploys compare with the stored one to rebuild bumped projections automatically.
import { ProjectionDefinitionError, UnknownProjectionError } from "./errors.ts";
import type { AnyProjection } from "./projection.ts";

export interface Registry<P extends AnyProjection = AnyProjection> {
  /** In declaration order. */
  readonly projections: readonly P[];
  get(name: string): P | undefined;
  /** Like `get`, but an unknown name is an error naming the known ones. */
  require(name: string): P;
  /** Version by projection name. */
  readonly versions: Readonly<Record<string, number>>;
  /** `name@version` pairs sorted by name: equal fingerprints mean nothing needs a rebuild. */
  readonly fingerprint: string;
}

export function defineRegistry<const P extends AnyProjection>(projections: readonly P[]): Registry<P> {
  const byName = new Map<string, P>();
  for (const projection of projections) {
    if (byName.has(projection.name)) {
      throw new ProjectionDefinitionError(`projection ${projection.name} is declared twice`);
    }
    byName.set(projection.name, projection);
  }
  const names = [...byName.keys()].sort();
  const versions = Object.fromEntries(names.map((name) => [name, (byName.get(name) as P).version]));
  return {
    projections: [...projections],
    get: (name) => byName.get(name),
    require: (name) => {
      const projection = byName.get(name);
      if (projection === undefined) {
        throw new UnknownProjectionError(`unknown projection ${name} (known: ${names.join(", ") || "none"})`);
      }
      return projection;
    },
    versions,
    fingerprint: names.map((name) => `${name}@${versions[name]}`).join(","),
  };
}
