// Upcasting: a payload written with version n is validated against the schema of version n, lifted
// by the upcaster n→n+1, validated against n+1, and so on up to the current version. Each stored
// version gets its own precompiled chain, so decoding an event is an array lookup and direct calls.
import type * as z from "zod";
import { describeIssues } from "./describe-issues.ts";
import { ProjectionDefinitionError, describeThrown } from "./errors.ts";
import { fastSchema } from "./fast-schema.ts";

/** Why a payload cannot become a current-version payload; returned, never thrown (bad events are data). */
export class PayloadRejection {
  constructor(readonly reason: string) {}
}

/** Returns the current-version payload, or a PayloadRejection. */
export type UpcastChain = (payload: unknown) => unknown;

export type Upcaster = (payload: never) => unknown;

export interface UpcastTable {
  readonly type: string;
  readonly firstVersion: number;
  readonly latestVersion: number;
  /** Indexed by stored version; empty below `firstVersion`. */
  readonly chains: ReadonlyArray<UpcastChain | undefined>;
}

export interface VersionSteps {
  type: string;
  /** Must be consecutive (compiling throws ProjectionDefinitionError on a gap). */
  schemas: ReadonlyMap<number, z.ZodType>;
  /** Keyed by the version it lifts from; one is required for every version but the latest. */
  upcasters: ReadonlyMap<number, Upcaster>;
}

export function compileUpcastTable(steps: VersionSteps): UpcastTable {
  const versions = [...steps.schemas.keys()];
  const firstVersion = Math.min(...versions);
  const latestVersion = Math.max(...versions);
  for (let version = firstVersion; version <= latestVersion; version++) {
    if (!steps.schemas.has(version)) {
      throw new ProjectionDefinitionError(`event ${steps.type}: versions must be consecutive, v${version} is missing`);
    }
  }
  const chains: UpcastChain[] = [];
  for (let version = firstVersion; version <= latestVersion; version++) {
    chains[version] = compileChain(steps, latestVersion, version, version);
  }
  return { type: steps.type, firstVersion, latestVersion, chains };
}

function compileChain(steps: VersionSteps, latestVersion: number, origin: number, version: number): UpcastChain {
  const schema = fastSchema(steps.schemas.get(version) as z.ZodType);
  const where = version === origin ? "payload" : `payload upcast to v${version}`;
  if (version === latestVersion) {
    return (payload) => {
      const parsed = schema.safeParse(payload);
      return parsed.success ? parsed.data : new PayloadRejection(describeIssues(where, parsed.error.issues));
    };
  }
  const upcaster = steps.upcasters.get(version) as ((payload: unknown) => unknown) | undefined;
  if (upcaster === undefined) {
    throw new ProjectionDefinitionError(`event ${steps.type}: no upcaster from v${version} to v${version + 1}`);
  }
  const next = compileChain(steps, latestVersion, origin, version + 1);
  return (payload) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return new PayloadRejection(describeIssues(where, parsed.error.issues));
    let lifted: unknown;
    try {
      lifted = upcaster(parsed.data);
    } catch (thrown) {
      return new PayloadRejection(`upcaster v${version}→v${version + 1} threw: ${describeThrown(thrown)}`);
    }
    return next(lifted);
  };
}

/** The payload (already parsed from JSON) upcast to the current version, or why it cannot be. */
export function upcastPayload(table: UpcastTable, version: number, payload: unknown): unknown {
  const chain = table.chains[version];
  if (chain !== undefined) return chain(payload);
  const known =
    table.firstVersion === table.latestVersion
      ? `v${table.latestVersion}`
      : `v${table.firstVersion}–v${table.latestVersion}`;
  if (Number.isInteger(version) && version > table.latestVersion) {
    return new PayloadRejection(
      `version ${version} is newer than the latest known version of ${table.type} (${known})`,
    );
  }
  return new PayloadRejection(`${table.type} has no schema for version ${version} (known: ${known})`);
}
