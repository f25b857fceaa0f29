// A projection: a versioned read model and the handlers that fold events into it. `defineProjection`
// checks the declaration once (at deploy) and turns it into routes by event type, so applying a
// batch does no lookups beyond one map access per event.
import type * as z from "zod";
import { EVENTS_PER_MUTATION, isComplexity, type Complexity } from "./complexity.ts";
import { ProjectionDefinitionError } from "./errors.ts";
import { fastSchema } from "./fast-schema.ts";
import type { EffectsDuringRebuild, Effects, HandlerMode } from "./effects.ts";
import type { EventContract, PayloadOf } from "./event-contract.ts";
import type { DecodedEvent } from "./event-record.ts";
import { checkedLanes, type Lanes, type LanesSpec } from "./lane-key.ts";
import type { ReadModel } from "./keyed-read-model.ts";
import { keyEncoder, type KeyEncoder } from "./read-model-key.ts";

export interface HandlerContext<Doc, Key> {
  readonly readModel: ReadModel<Doc, Key>;
  /**
   * Whatever the runtime passes through (in Convex, the mutation's ctx, for `ctx.db`): an escape
   * hatch outside the keyed read model, so it is neither coalesced nor undone, and it is up to the
   * handler to write nothing through it when `dryRun` is set.
   */
  readonly raw: unknown;
  readonly dryRun: boolean;
  /** Why the handler runs: only `live` events (and gated rebuild events) schedule effects. */
  readonly mode: HandlerMode;
  /** Follow-up work for this event, scheduled only where it must happen once (see effects.ts). */
  readonly effects: Effects;
  readonly projection: string;
}

export interface EventHandlerSpec<Contract, Doc, Key> {
  event: Contract;
  /**
   * The keys the handler will read or write for this event. Optional: when given, the keys of the
   * whole batch are loaded in one storage call before any handler runs (otherwise each is loaded
   * on first access). Throwing InvalidEventError here marks the event invalid.
   */
  prefetch?: (event: DecodedEvent<PayloadOf<Contract>>) => Key | readonly Key[];
  handle: (ctx: HandlerContext<Doc, Key>, event: DecodedEvent<PayloadOf<Contract>>) => Promise<void>;
}

/** Fields of the document that can be key fields: required strings. */
export type KeyFieldOf<Doc> = { [F in keyof Doc]-?: Doc[F] extends string ? F : never }[keyof Doc] & string;

export interface ProjectionSpec<
  Name extends string,
  Document extends z.ZodObject,
  KeyField extends KeyFieldOf<z.output<Document>>,
  Contracts extends Record<string, EventContract>,
> {
  /** Letters, digits and `_`, starting with a letter: it names Workpool work and stored generations. */
  name: Name;
  /** Bumping it rebuilds the read model (once per version). */
  version: number;
  /** Sets the default number of events per mutation (EVENTS_PER_MUTATION). */
  complexity: Complexity;
  readModel: {
    document: Document;
    /** The fields that identify a document, in the order they are encoded into its storage key. */
    key: readonly KeyField[];
    /** The document `update` starts from for a key that has none yet. */
    initial: (key: Pick<z.output<Document>, KeyField>) => z.output<Document>;
    /** Fields a verify run does not compare (e.g. values that depend on when the rebuild ran). */
    verifyIgnores?: readonly (keyof z.output<Document> & string)[];
  };
  /**
   * Whether a rebuild schedules the effects its handlers ask for: `none` (the default; live
   * processing sent them), or `after-previous-version`: for events no live generation has applied
   * (a new projection's events appended after it was deployed and before its first build is live).
   */
  effectsDuringRebuild?: EffectsDuringRebuild;
  /**
   * Version bumps are verified before they serve: the automatic rebuild of a new version runs as a
   * verify run and its shadow is promoted by itself when only `mayChange` fields differ, in at most
   * `maxChangedShare` (0 to 1, default 1) of the documents, none missing or added; otherwise it is
   * kept for an operator to promote or discard. Without it, a bump's rebuild swaps in when complete.
   */
  verifyBumps?: {
    /** Fields of either version's documents (a field the new version drops or adds differs too). */
    mayChange: readonly string[];
    maxChangedShare?: number;
  };
  /**
   * Rebuilds run in parallel lanes, one chain of chunks each, split by a key every event carries
   * (see lane-key.ts for what the key must satisfy). Without it, a rebuild is one chain.
   */
  lanes?: LanesSpec;
  /** Handlers by event type; event types not listed here are skipped (and counted). */
  events: {
    [Type in keyof Contracts]: EventHandlerSpec<
      Contracts[Type],
      z.output<Document>,
      Pick<z.output<Document>, KeyField>
    > & { event: EventContract<Type & string> };
  };
}

export interface EventRoute<Doc, Key> {
  readonly contract: EventContract;
  readonly prefetch: ((event: DecodedEvent<unknown>) => Key | readonly Key[]) | undefined;
  readonly handle: (ctx: HandlerContext<Doc, Key>, event: DecodedEvent<unknown>) => Promise<void>;
}

export interface Projection<Name extends string, Doc extends Key, Key> {
  readonly name: Name;
  readonly version: number;
  readonly complexity: Complexity;
  readonly eventsPerMutation: number;
  /** The event types it consumes: a replay may read only those. */
  readonly eventTypes: readonly string[];
  readonly readModel: {
    readonly document: z.ZodType<Doc>;
    readonly keyFields: readonly (keyof Key & string)[];
    readonly encodeKey: KeyEncoder<Key>;
    readonly initial: (key: Key) => Doc;
    readonly verifyIgnores: readonly string[];
  };
  readonly routes: ReadonlyMap<string, EventRoute<Doc, Key>>;
  readonly effectsDuringRebuild: EffectsDuringRebuild;
  readonly verifyBumps: { readonly mayChange: readonly string[]; readonly maxChangedShare: number } | undefined;
  /** Absent: rebuilds of it cannot be split and run as one chain. */
  readonly lanes: Lanes | undefined;
}

/** What registries and engines hold: projections of any document and key type. */
export type AnyProjection = Projection<string, any, any>;

const PROJECTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function defineProjection<
  const Name extends string,
  Document extends z.ZodObject,
  KeyField extends KeyFieldOf<z.output<Document>>,
  Contracts extends Record<string, EventContract>,
>(
  spec: ProjectionSpec<Name, Document, KeyField, Contracts>,
): Projection<Name, z.output<Document>, Pick<z.output<Document>, KeyField>> {
  type Doc = z.output<Document>;
  type Key = Pick<Doc, KeyField>;
  const { name, version, complexity, readModel } = spec;
  if (typeof name !== "string" || !PROJECTION_NAME.test(name)) {
    throw new ProjectionDefinitionError(
      `projection name "${name}" must be letters, digits and _, starting with a letter`,
    );
  }
  const fail = (problem: string) => new ProjectionDefinitionError(`projection ${name}: ${problem}`);
  if (!Number.isSafeInteger(version) || version < 1) throw fail(`version must be an integer >= 1, got ${version}`);
  if (!isComplexity(complexity)) {
    throw fail(`complexity must be one of ${Object.keys(EVENTS_PER_MUTATION).join(", ")}, got ${String(complexity)}`);
  }
  if (readModel.key.length === 0) throw fail("readModel.key needs at least one field");
  const effectsDuringRebuild = spec.effectsDuringRebuild ?? "none";
  if (effectsDuringRebuild !== "none" && effectsDuringRebuild !== "after-previous-version") {
    throw fail(`effectsDuringRebuild must be "none" or "after-previous-version", got ${String(effectsDuringRebuild)}`);
  }
  for (const field of readModel.key) {
    if (!Object.hasOwn(readModel.document.shape, field))
      throw fail(`key field ${field} is not a field of the document`);
  }
  if (new Set(readModel.key).size !== readModel.key.length) throw fail("readModel.key lists a field twice");
  for (const field of readModel.verifyIgnores ?? []) {
    if (!Object.hasOwn(readModel.document.shape, field))
      throw fail(`verifyIgnores field ${field} is not a field of the document`);
    if ((readModel.key as readonly string[]).includes(field)) throw fail(`verifyIgnores field ${field} is a key field`);
  }

  const verifyBumps = spec.verifyBumps && {
    mayChange: [...spec.verifyBumps.mayChange],
    maxChangedShare: spec.verifyBumps.maxChangedShare ?? 1,
  };
  for (const field of verifyBumps?.mayChange ?? []) {
    if (typeof field !== "string" || field.length === 0)
      throw fail(`verifyBumps.mayChange lists ${JSON.stringify(field)}: it takes field names`);
  }
  const share = verifyBumps?.maxChangedShare;
  if (share !== undefined && !(share >= 0 && share <= 1))
    throw fail(`verifyBumps.maxChangedShare must be between 0 and 1 (a share of the documents), got ${share}`);

  const routes = new Map<string, EventRoute<Doc, Key>>();
  for (const [eventType, handler] of Object.entries(spec.events) as [
    string,
    EventHandlerSpec<EventContract, Doc, Key>,
  ][]) {
    if (handler.event?.type !== eventType) {
      throw fail(`events.${eventType} declares the contract of event type ${String(handler.event?.type)}`);
    }
    if (typeof handler.handle !== "function") throw fail(`events.${eventType}.handle is not a function`);
    routes.set(eventType, { contract: handler.event, prefetch: handler.prefetch, handle: handler.handle });
  }

  return {
    name,
    version,
    complexity,
    eventsPerMutation: EVENTS_PER_MUTATION[complexity],
    eventTypes: [...routes.keys()],
    readModel: {
      document: fastSchema(readModel.document) as unknown as z.ZodType<Doc>,
      keyFields: readModel.key,
      encodeKey: keyEncoder<Key>(readModel.key),
      initial: readModel.initial,
      verifyIgnores: [...(readModel.verifyIgnores ?? [])],
    },
    routes,
    effectsDuringRebuild,
    verifyBumps,
    lanes: checkedLanes(name, spec.lanes),
  };
}
