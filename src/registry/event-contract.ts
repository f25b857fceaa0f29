// An event contract: the payload schema of every version of one event type and the upcasters that
// lift each version to the next. Declared once per event type and shared by the projections that
// consume it, so every projection reads a given stored event the same way.
import type * as z from "zod";
import { isAttributeType, type AttributeType } from "./envelope.ts";
import { ProjectionDefinitionError } from "./errors.ts";
import { compileUpcastTable, type UpcastTable, type Upcaster } from "./upcast.ts";

/** Payload schemas keyed by version number: `{ 1: schemaV1, 2: schemaV2 }`. */
export type PayloadSchemas = { readonly [version: number]: z.ZodType };

type TupleOfLength<N extends number, T extends unknown[] = []> = T["length"] extends N
  ? T
  : TupleOfLength<N, [...T, unknown]>;
type NextVersion<V extends number> = [...TupleOfLength<V>, unknown]["length"];
type VersionOf<S> = keyof S & number;

/** The latest declared version: the one with no successor. */
export type LatestVersion<S> = { [V in VersionOf<S>]: NextVersion<V> extends keyof S ? never : V }[VersionOf<S>];

/** An upcaster for every version but the latest: takes that version's payload, returns the next one's. */
export type Upcasters<S extends PayloadSchemas> = {
  [V in VersionOf<S> as NextVersion<V> extends keyof S ? V : never]: (
    payload: z.output<S[V]>,
  ) => z.input<S[NextVersion<V> & keyof S]>;
};

export type CurrentPayload<S> = z.output<S[LatestVersion<S> & keyof S]>;

type UpcastersField<S extends PayloadSchemas> = [keyof Upcasters<S>] extends [never]
  ? { upcasters?: Record<never, never> }
  : { upcasters: Upcasters<S> };

export type EventContractSpec<S extends PayloadSchemas> = {
  versions: S;
  /**
   * The envelope attributes events of this type carry, by name and type; `defineReproject` checks
   * that the app's envelope declares each one with that type.
   */
  attributes?: Record<string, AttributeType>;
} & UpcastersField<S>;

export interface EventContract<
  Type extends string = string,
  Schemas extends PayloadSchemas = PayloadSchemas,
> extends UpcastTable {
  readonly type: Type;
  readonly schemas: Schemas;
  readonly attributes: Readonly<Record<string, AttributeType>>;
}

/** The payload type handlers receive for events of this contract. */
export type PayloadOf<C> = C extends EventContract<string, infer S> ? CurrentPayload<S> : never;

/**
 * Declares an event type's payload versions and upcasters. Versions are consecutive integers
 * (older ones may be retired by starting later than 1); each one but the latest needs an upcaster.
 */
export function defineEvent<const Type extends string, Schemas extends PayloadSchemas>(
  type: Type,
  spec: EventContractSpec<Schemas>,
): EventContract<Type, Schemas> {
  if (typeof type !== "string" || type === "") throw new ProjectionDefinitionError("an event type needs a name");
  const schemas = versionMap(type, "versions", spec.versions as Record<string, z.ZodType>);
  if (schemas.size === 0) throw new ProjectionDefinitionError(`event ${type}: declare at least one version`);
  const upcasters = versionMap(type, "upcasters", (spec.upcasters ?? {}) as Record<string, Upcaster>);
  const latestVersion = Math.max(...schemas.keys());
  for (const version of upcasters.keys()) {
    if (!schemas.has(version) || version === latestVersion) {
      throw new ProjectionDefinitionError(`event ${type}: upcaster from v${version} has no later version to lift to`);
    }
  }
  for (const [version, schema] of schemas) {
    if (typeof (schema as { safeParse?: unknown }).safeParse !== "function") {
      throw new ProjectionDefinitionError(`event ${type}: versions[${version}] is not a zod schema`);
    }
  }
  return {
    ...compileUpcastTable({ type, schemas, upcasters }),
    type,
    schemas: spec.versions,
    attributes: Object.freeze(carriedAttributes(type, spec.attributes ?? {})),
  };
}

function carriedAttributes(type: string, attributes: Record<string, unknown>): Record<string, AttributeType> {
  for (const [name, attributeType] of Object.entries(attributes)) {
    if (!isAttributeType(attributeType)) {
      throw new ProjectionDefinitionError(
        `event ${type}: attributes.${name} is ${JSON.stringify(attributeType)}; an attribute is "string", "number" or "boolean"`,
      );
    }
  }
  return { ...(attributes as Record<string, AttributeType>) };
}

function versionMap<T>(type: string, field: string, entries: Record<string, T>): Map<number, T> {
  const map = new Map<number, T>();
  for (const [key, value] of Object.entries(entries)) {
    const version = Number(key);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new ProjectionDefinitionError(
        `event ${type}: ${field} key "${key}" is not a version number (integer >= 1)`,
      );
    }
    map.set(version, value);
  }
  return map;
}
