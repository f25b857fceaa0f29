import { describe, expect, expectTypeOf, it } from "vitest";
import * as z from "zod";
import { upcastPayload, PayloadRejection } from "../../src/registry/upcast.ts";
import {
  EVENTS_PER_MUTATION,
  EventFailedError,
  InvalidEventError,
  MemoryReadModelStorage,
  ProjectionDefinitionError,
  UnknownProjectionError,
  applyBatch,
  defineEvent,
  defineProjection,
  defineRegistry,
  requireAttribute,
  type EventHandlerSpec,
  type EventRecord,
  type ReadModelStorage,
} from "../../src/registry/index.ts";

// A measurement event whose payload changed twice: v1 { value } in seconds as a float, v2 { amount }
// in whole milliseconds, v3 adds the unit.
const Measured = defineEvent("Measured", {
  versions: {
    1: z.object({ value: z.number() }),
    2: z.object({ amount: z.int() }),
    3: z.object({ amount: z.int().nonnegative(), unit: z.enum(["ms", "bytes"]) }),
  },
  upcasters: {
    1: ({ value }) => ({ amount: Math.round(value * 1000) }),
    2: ({ amount }) => ({ amount, unit: "ms" as const }),
  },
});
const Noted = defineEvent("Noted", { versions: { 1: z.looseObject({ text: z.string() }) } });

/** Fails the handler when the amount is this value: a deliberate handler bug. */
const AMOUNT_THAT_CRASHES = 13;

const totals = defineProjection({
  name: "totals",
  version: 3,
  complexity: "moderate",
  readModel: {
    document: z.object({ bucket: z.string(), count: z.int().nonnegative(), total: z.int().nonnegative() }),
    key: ["bucket"],
    initial: ({ bucket }) => ({ bucket, count: 0, total: 0 }),
  },
  events: {
    Measured: {
      event: Measured,
      prefetch: (event) => ({ bucket: requireAttribute(event, "bucket") }),
      handle: async ({ readModel }, event) => {
        expectTypeOf(event.payload).toEqualTypeOf<{ amount: number; unit: "ms" | "bytes" }>();
        const bucket = requireAttribute(event, "bucket");
        await readModel.update({ bucket }, (doc) => ({ ...doc, count: doc.count + 1 }));
        if (event.payload.amount === AMOUNT_THAT_CRASHES) throw new Error("unlucky amount");
        await readModel.update({ bucket }, (doc) => ({ ...doc, total: doc.total + event.payload.amount }));
      },
    },
  },
});

type Totals = { bucket: string; count: number; total: number };

type Note = { id: string };
/** A projection of Noted events into documents that are only an id: for tests of the pipeline, not of a fold. */
function notesProjection(name: string, handle: EventHandlerSpec<typeof Noted, Note, Note>["handle"]) {
  return defineProjection({
    name,
    version: 1,
    complexity: "light",
    readModel: { document: z.object({ id: z.string() }), key: ["id"], initial: ({ id }) => ({ id }) },
    events: { Noted: { event: Noted, handle } },
  });
}

let nextPosition = 1;
function measured(bucket: string | null, version: number, payload: unknown, type = "Measured"): EventRecord {
  const position = nextPosition++;
  return {
    globalPosition: position,
    eventId: `evt-${position}`,
    eventType: type,
    eventVersion: version,
    occurredAtMs: Date.UTC(2025, 0, 1) + position * 1000,
    streamId: "stream-1",
    attributes: bucket === null ? {} : { bucket },
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  };
}

/** MemoryReadModelStorage that counts what it is asked for. */
class CountingStorage<Doc> implements ReadModelStorage<Doc> {
  readonly memory = new MemoryReadModelStorage<Doc>();
  loadCalls = 0;
  readonly loadsByKey = new Map<string, number>();

  async load(keys: readonly string[]): Promise<ReadonlyMap<string, Doc | null>> {
    this.loadCalls++;
    for (const key of keys) this.loadsByKey.set(key, (this.loadsByKey.get(key) ?? 0) + 1);
    return this.memory.load(keys);
  }
}

describe("event contracts", () => {
  it("rejects versions with a gap", () => {
    expect(() =>
      defineEvent("Gappy", {
        versions: { 1: z.object({}), 3: z.object({}) },
      } as never),
    ).toThrow(new ProjectionDefinitionError("event Gappy: versions must be consecutive, v2 is missing"));
  });

  it("requires an upcaster for every version but the latest", () => {
    expect(() =>
      defineEvent("Stuck", { versions: { 1: z.object({}), 2: z.object({}) }, upcasters: {} } as never),
    ).toThrow("event Stuck: no upcaster from v1 to v2");
  });

  it("rejects an upcaster from the latest version", () => {
    expect(() =>
      defineEvent("Ahead", { versions: { 1: z.object({}) }, upcasters: { 1: () => ({}) } } as never),
    ).toThrow("event Ahead: upcaster from v1 has no later version to lift to");
  });

  it("rejects version keys that are not integers from 1", () => {
    expect(() => defineEvent("Zero", { versions: { 0: z.object({}) } })).toThrow(
      'event Zero: versions key "0" is not a version number (integer >= 1)',
    );
  });
});

describe("upcasting", () => {
  it("lifts a v1 payload through every version to the current one", () => {
    expect(upcastPayload(Measured, 1, { value: 1.2345 })).toEqual({ amount: 1235, unit: "ms" });
    expect(upcastPayload(Measured, 2, { amount: 40 })).toEqual({ amount: 40, unit: "ms" });
    expect(upcastPayload(Measured, 3, { amount: 7, unit: "bytes" })).toEqual({ amount: 7, unit: "bytes" });
  });

  it("names the field, the expected type and what was found when a payload is rejected", () => {
    const rejection = upcastPayload(Measured, 2, { amount: "12" });
    expect(rejection).toEqual(new PayloadRejection("payload.amount: Invalid input: expected number, received string"));
    expect(upcastPayload(Measured, 2, { amount: 0.5 })).toEqual(
      new PayloadRejection("payload.amount: Invalid input: expected int, received number"),
    );
    expect(upcastPayload(Measured, 3, { amount: 1 })).toEqual(
      new PayloadRejection('payload.unit: Invalid option: expected one of "ms"|"bytes"'),
    );
  });

  it("validates every step and says which version an upcast produced wrongly", () => {
    // -0.002 s is a valid v1 value and becomes a valid v2 amount, but v3 wants it non-negative.
    expect(upcastPayload(Measured, 1, { value: -0.002 })).toEqual(
      new PayloadRejection("payload upcast to v3.amount: Too small: expected number to be >=0"),
    );
  });

  it("reports an upcaster that throws", () => {
    const Fragile = defineEvent("Fragile", {
      versions: { 1: z.object({ n: z.number() }), 2: z.object({ n: z.number() }) },
      upcasters: {
        1: ({ n }) => {
          if (n < 0) throw new RangeError("negative n");
          return { n };
        },
      },
    });
    expect(upcastPayload(Fragile, 1, { n: -1 })).toEqual(new PayloadRejection("upcaster v1→v2 threw: RangeError: negative n"));
  });

  it("refuses versions newer than the latest and versions it has no schema for", () => {
    expect(upcastPayload(Measured, 4, {})).toEqual(
      new PayloadRejection("version 4 is newer than the latest known version of Measured (v1–v3)"),
    );
    expect(upcastPayload(Measured, 0, {})).toEqual(new PayloadRejection("Measured has no schema for version 0 (known: v1–v3)"));
    expect(upcastPayload(Noted, 1.5, {})).toEqual(new PayloadRejection("Noted has no schema for version 1.5 (known: v1)"));
  });
});

describe("projections and the registry", () => {
  const documentSchema = z.object({ id: z.string(), n: z.number() });

  it("takes the events per mutation from the complexity class", () => {
    expect(totals.eventsPerMutation).toBe(500);
    expect(EVENTS_PER_MUTATION).toEqual({ light: 1000, moderate: 500, heavy: 250, extreme: 100 });
    expect(totals.eventTypes).toEqual(["Measured"]);
  });

  it("rejects a handler filed under another event type's name", () => {
    expect(() =>
      defineProjection({
        name: "misfiled",
        version: 1,
        complexity: "light",
        readModel: { document: documentSchema, key: ["id"], initial: ({ id }) => ({ id, n: 0 }) },
        events: { Noted: { event: Measured, handle: async () => {} } } as never,
      }),
    ).toThrow("projection misfiled: events.Noted declares the contract of event type Measured");
  });

  it("rejects key fields that are not fields of the document, and bad names and versions", () => {
    const spec = {
      name: "keyless",
      version: 1,
      complexity: "light" as const,
      readModel: { document: documentSchema, key: ["nope"], initial: () => ({ id: "", n: 0 }) },
      events: {},
    };
    expect(() => defineProjection(spec as never)).toThrow("projection keyless: key field nope is not a field of the document");
    expect(() => defineProjection({ ...spec, name: "has space" } as never)).toThrow(
      'projection name "has space" must be letters, digits and _, starting with a letter',
    );
    expect(() => defineProjection({ ...spec, version: 0 } as never)).toThrow(
      "projection keyless: version must be an integer >= 1, got 0",
    );
  });

  it("takes a version-bump expectation whose share is between 0 and 1, defaulting to any share", () => {
    const spec = {
      name: "verified",
      version: 2,
      complexity: "light" as const,
      readModel: { document: documentSchema, key: ["id"], initial: () => ({ id: "", n: 0 }) },
      events: {},
    };
    const verifying = (verifyBumps: unknown) => defineProjection({ ...spec, verifyBumps } as never);
    expect(verifying({ mayChange: ["n"] }).verifyBumps).toEqual({ mayChange: ["n"], maxChangedShare: 1 });
    expect(defineProjection(spec as never).verifyBumps).toBeUndefined();
    expect(() => verifying({ mayChange: ["n"], maxChangedShare: 1.5 })).toThrow(
      "projection verified: verifyBumps.maxChangedShare must be between 0 and 1 (a share of the documents), got 1.5",
    );
    expect(() => verifying({ mayChange: [""] })).toThrow('projection verified: verifyBumps.mayChange lists "": it takes field names');
  });

  it("rejects two projections with one name", () => {
    expect(() => defineRegistry([totals, totals])).toThrow(new ProjectionDefinitionError("projection totals is declared twice"));
  });

  it("fingerprints versions sorted by name, and changes when a version is bumped", () => {
    const other = (version: number) =>
      defineProjection({
        name: "alpha",
        version,
        complexity: "extreme",
        readModel: { document: documentSchema, key: ["id"], initial: ({ id }) => ({ id, n: 0 }) },
        events: {},
      });
    const registry = defineRegistry([totals, other(1)]);
    expect(registry.fingerprint).toBe("alpha@1,totals@3");
    expect(registry.versions).toEqual({ alpha: 1, totals: 3 });
    expect(defineRegistry([other(1), totals]).fingerprint).toBe(registry.fingerprint);
    expect(defineRegistry([totals, other(2)]).fingerprint).toBe("alpha@2,totals@3");
    expect(registry.get("totals")).toBe(totals);
  });

  it("names the known projections when asked for an unknown one", () => {
    expect(() => defineRegistry([totals]).require("missing")).toThrow(
      new UnknownProjectionError("unknown projection missing (known: totals)"),
    );
  });
});

describe("applyBatch", () => {
  it("skips and counts event types the projection does not consume", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const events = [measured("a", 3, { amount: 5, unit: "ms" }), measured("a", 1, {}, "Noted"), measured("a", 9, "{", "Other")];
    const result = await applyBatch(totals, events, { storage, policy: "fail" });
    expect(result.counters).toEqual({ found: 3, applied: 1, skipped: 2, invalid: 0, failed: 0, deadLettered: 0 });
    expect(result.writes).toEqual([{ op: "insert", key: "a", doc: { bucket: "a", count: 1, total: 5 } }]);
  });

  it("fails on the first bad event with its identity and reason, and leaves nothing to write", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const bad = measured("a", 2, { amount: 1.5 });
    const events = [measured("a", 3, { amount: 5, unit: "ms" }), bad, measured("b", 2, { amount: 1 })];
    const result = await applyBatch(totals, events, { storage, policy: "fail" });
    expect(result.failure).toEqual({
      kind: "invalid_event",
      projection: "totals",
      eventId: bad.eventId,
      globalPosition: bad.globalPosition,
      eventType: "Measured",
      eventVersion: 2,
      reason: "payload.amount: Invalid input: expected int, received number",
    });
    expect(result.counters).toEqual({ found: 2, applied: 1, skipped: 0, invalid: 1, failed: 0, deadLettered: 0 });
    expect(result.writes).toEqual([]);
    expect(result.deadLetters).toEqual([]);
    const thrown = new EventFailedError(result.failure!);
    expect(thrown.message).toBe(
      `totals: event ${bad.eventId} (Measured v2 at position ${bad.globalPosition}) is invalid: ` +
        "payload.amount: Invalid input: expected int, received number",
    );
  });

  it("sets bad events aside under the dead-letter policy, with exact counters, and applies the rest", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const badJson = measured("a", 3, '{"amount": 5,');
    const tooNew = measured("a", 4, { amount: 5 });
    const crashing = measured("a", 3, { amount: AMOUNT_THAT_CRASHES, unit: "ms" });
    const noBucket = measured(null, 3, { amount: 5, unit: "ms" });
    const events = [
      measured("a", 1, { value: 0.25 }),
      badJson,
      measured("b", 2, { amount: 7 }),
      tooNew,
      measured("x", 1, {}, "Noted"),
      crashing,
      noBucket,
      measured("a", 3, { amount: 10, unit: "bytes" }),
    ];
    const result = await applyBatch(totals, events, { storage, policy: "dead-letter" });
    expect(result.counters).toEqual({ found: 8, applied: 3, skipped: 1, invalid: 3, failed: 1, deadLettered: 4 });
    expect(result.failure).toBeNull();
    expect(result.deadLetters.map(({ eventId, kind, reason }) => ({ eventId, kind, reason }))).toEqual([
      { eventId: badJson.eventId, kind: "invalid_event", reason: expect.stringMatching(/^payload is not valid JSON: /) },
      { eventId: tooNew.eventId, kind: "invalid_event", reason: "version 4 is newer than the latest known version of Measured (v1–v3)" },
      { eventId: crashing.eventId, kind: "handler_error", reason: "unlucky amount" },
      { eventId: noBucket.eventId, kind: "invalid_event", reason: "attribute bucket is missing, expected a string" },
    ]);
    // The crashing event had already counted itself in bucket a: that change is undone.
    expect(result.writes).toEqual([
      { op: "insert", key: "a", doc: { bucket: "a", count: 2, total: 260 } },
      { op: "insert", key: "b", doc: { bucket: "b", count: 1, total: 7 } },
    ]);
  });

  it("counts an InvalidEventError thrown by a handler as an invalid event", async () => {
    const picky = notesProjection("picky", async (_ctx, event) => {
      if (event.payload.text === "") throw new InvalidEventError("text is empty");
    });
    const storage = new MemoryReadModelStorage<Note>();
    const result = await applyBatch(picky, [measured("a", 1, { text: "" }, "Noted")], { storage, policy: "dead-letter" });
    expect(result.counters).toEqual({ found: 1, applied: 0, skipped: 0, invalid: 1, failed: 0, deadLettered: 1 });
    expect(result.deadLetters[0]?.reason).toBe("text is empty");
  });

  it("runs every handler on a dry run and counts everything, but returns no writes", async () => {
    const storage = new CountingStorage<Totals>();
    const events = [measured("a", 3, { amount: 1, unit: "ms" }), measured("b", 2, { amount: -1 }), measured("a", 2, { amount: 2 })];
    const result = await applyBatch(totals, events, { storage, policy: "dead-letter", dryRun: true });
    expect(result.counters).toEqual({ found: 3, applied: 2, skipped: 0, invalid: 1, failed: 0, deadLettered: 1 });
    expect(result.writes).toEqual([]);
    expect(storage.loadCalls).toBe(1);
  });

  it("passes the runtime's raw context and the dry-run flag to handlers", async () => {
    const seen: unknown[] = [];
    const spy = notesProjection("spy", async ({ raw, dryRun, projection }) => void seen.push({ raw, dryRun, projection }));
    const raw = { db: "the mutation's db" };
    await applyBatch(spy, [measured("a", 1, { text: "x" }, "Noted")], { storage: new MemoryReadModelStorage(), policy: "fail", raw });
    expect(seen).toEqual([{ raw, dryRun: false, projection: "spy" }]);
  });

  it("throws storage errors instead of dead-lettering the event that hit them", async () => {
    const outage = new Error("read timed out");
    const failing: ReadModelStorage<never> = { load: async () => Promise.reject(outage) };
    const events = [measured("a", 3, { amount: 1, unit: "ms" })];
    await expect(applyBatch(totals, events, { storage: failing, policy: "dead-letter" })).rejects.toBe(outage);

    const swallowing = notesProjection("swallowing", async ({ readModel }) => {
      await readModel.get({ id: "x" }).catch(() => null);
    });
    const notes = [measured("a", 1, { text: "x" }, "Noted")];
    await expect(applyBatch(swallowing, notes, { storage: failing, policy: "dead-letter" })).rejects.toBe(outage);
  });

  it("fails the batch on a document its schema rejects, naming the event that left it invalid; dead-letters that event under the dead-letter policy", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const negative = measured("a", 2, { amount: -3 });
    // v2 allows a negative amount, v3 does not: this one is rejected before the handler.
    const events = [measured("a", 3, { amount: 2, unit: "ms" }), negative];
    const lenient = defineProjection({
      name: "lenient",
      version: 1,
      complexity: "light",
      readModel: {
        document: z.object({ bucket: z.string(), total: z.int().nonnegative() }),
        key: ["bucket"],
        initial: ({ bucket }) => ({ bucket, total: 0 }),
      },
      events: {
        Noted: {
          event: Noted,
          handle: async ({ readModel }, event) => {
            await readModel.update({ bucket: requireAttribute(event, "bucket") }, (doc) => ({ ...doc, total: doc.total - 5 }));
          },
        },
      },
    });
    const notes = [measured("a", 1, { text: "one" }, "Noted"), measured("a", 1, { text: "two" }, "Noted")];
    const reason = "read-model document a is invalid: document.total: Too small: expected number to be >=0";
    // The first note leaves the document invalid, the second only keeps it so: the first is named.
    const failed = await applyBatch(lenient, [...events, ...notes], { storage, policy: "fail" });
    expect(failed.failure).toMatchObject({ kind: "invalid_document", eventId: notes[0]?.eventId, reason });
    expect(failed.counters).toEqual({ found: 3, applied: 0, skipped: 2, invalid: 0, failed: 1, deadLettered: 0 });
    expect(failed.writes).toEqual([]);

    // Each note, undone, would leave it invalid on its own: both are set aside and the batch goes on.
    const lettered = await applyBatch(lenient, [...events, ...notes], { storage, policy: "dead-letter" });
    expect(lettered.failure).toBeNull();
    expect(lettered.deadLetters.map(({ kind, eventId }) => ({ kind, eventId }))).toEqual(
      notes.map((note) => ({ kind: "invalid_document", eventId: note.eventId })),
    );
    expect(lettered.counters).toEqual({ found: 4, applied: 0, skipped: 2, invalid: 0, failed: 2, deadLettered: 2 });
    expect(lettered.writes).toEqual([]);
  });

  it("fails only its own event when a handler uses a key whose field is not a string", async () => {
    const careless = notesProjection("careless", async ({ readModel }, event) => {
      const id = event.attributes.bucket as string;
      await readModel.update({ id }, (doc) => doc);
    });
    const prefetching = defineProjection({
      name: "prefetching",
      version: 1,
      complexity: "light",
      readModel: { document: z.object({ id: z.string() }), key: ["id"], initial: ({ id }) => ({ id }) },
      events: {
        Noted: {
          event: Noted,
          prefetch: (event) => ({ id: event.attributes.bucket as string }),
          handle: async ({ readModel }, event) => void (await readModel.update({ id: event.attributes.bucket as string }, (doc) => doc)),
        },
      },
    });
    for (const projection of [careless, prefetching]) {
      const events = [measured(null, 1, { text: "x" }, "Noted"), measured("a", 1, { text: "y" }, "Noted")];
      const result = await applyBatch(projection, events, { storage: new MemoryReadModelStorage<Note>(), policy: "dead-letter" });
      expect(result.deadLetters.map(({ kind, reason }) => ({ kind, reason }))).toEqual([
        { kind: "handler_error", reason: "TypeError: read-model key field id must be a string, got undefined" },
      ]);
      expect(result.writes).toEqual([{ op: "insert", key: "a", doc: { id: "a" } }]);
    }
  });

  it("fails the batch when a handler changes a document's key fields", async () => {
    const renaming = notesProjection("renaming", async ({ readModel }) => {
      await readModel.update({ id: "a" }, () => ({ id: "b" }));
    });
    const result = await applyBatch(renaming, [measured("a", 1, { text: "x" }, "Noted")], {
      storage: new MemoryReadModelStorage(),
      policy: "fail",
    });
    expect(result.failure?.reason).toBe('read-model document a has its key field id changed to "b"');
  });
});

describe("applyBatch under dead-letter-key", () => {
  it("parks every later event of a key whose event was dead-lettered, and no other key", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const crashing = measured("a", 3, { amount: AMOUNT_THAT_CRASHES, unit: "ms" });
    const later = measured("a", 3, { amount: 10, unit: "ms" });
    const events = [
      measured("a", 3, { amount: 5, unit: "ms" }),
      crashing,
      measured("b", 2, { amount: 7 }),
      later,
      measured("b", 2, { amount: 1 }),
    ];
    const result = await applyBatch(totals, events, { storage, policy: "dead-letter-key" });
    expect(result.failure).toBeNull();
    expect(result.counters).toEqual({ found: 5, applied: 3, skipped: 0, invalid: 0, failed: 2, deadLettered: 2 });
    expect(result.deadLetters.map(({ eventId, kind, reason, keys }) => ({ eventId, kind, reason, keys }))).toEqual([
      { eventId: crashing.eventId, kind: "handler_error", reason: "unlucky amount", keys: ["a"] },
      { eventId: later.eventId, kind: "parked", reason: `parked behind ${crashing.eventId}`, keys: ["a"] },
    ]);
    expect(result.parked).toEqual([{ key: "a", behind: crashing.eventId }]);
    expect(result.writes).toEqual([
      { op: "insert", key: "a", doc: { bucket: "a", count: 1, total: 5 } },
      { op: "insert", key: "b", doc: { bucket: "b", count: 2, total: 8 } },
    ]);
  });

  it("parks the events of keys earlier batches parked, asking only for the keys the batch touches", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const asked: string[][] = [];
    const parkedKeys = async (keys: readonly string[]) => {
      asked.push([...keys]);
      return new Map([["a", "evt-earlier"]]);
    };
    const onA = measured("a", 3, { amount: 5, unit: "ms" });
    const events = [onA, measured("b", 2, { amount: 7 })];
    const result = await applyBatch(totals, events, { storage, policy: "dead-letter-key", parkedKeys });
    expect(asked).toEqual([["a", "b"]]);
    expect(result.deadLetters.map(({ eventId, reason }) => ({ eventId, reason }))).toEqual([
      { eventId: onA.eventId, reason: "parked behind evt-earlier" },
    ]);
    expect(result.parked).toEqual([]);
    expect(result.writes).toEqual([{ op: "insert", key: "b", doc: { bucket: "b", count: 1, total: 7 } }]);
  });

  it("dead-letters the events of parked keys under the fail policy too, and fails on any other bad event", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const parkedKeys = async () => new Map([["a", "evt-earlier"]]);
    const onA = measured("a", 3, { amount: 5, unit: "ms" });
    const applied = await applyBatch(totals, [onA, measured("b", 2, { amount: 7 })], {
      storage,
      policy: "fail",
      parkedKeys,
    });
    expect(applied.failure).toBeNull();
    expect(applied.deadLetters.map(({ eventId, kind }) => ({ eventId, kind }))).toEqual([
      { eventId: onA.eventId, kind: "parked" },
    ]);
    expect(applied.writes).toEqual([{ op: "insert", key: "b", doc: { bucket: "b", count: 1, total: 7 } }]);
    const crashing = measured("b", 3, { amount: AMOUNT_THAT_CRASHES, unit: "ms" });
    const failed = await applyBatch(totals, [crashing], { storage, policy: "fail", parkedKeys });
    expect(failed.failure).toMatchObject({ eventId: crashing.eventId, kind: "handler_error" });
  });

  it("fails the batch on a bad event whose keys are unknown, since it can park none", async () => {
    const storage = new MemoryReadModelStorage<Totals>();
    const badJson = measured("a", 3, '{"amount": 5,');
    const result = await applyBatch(totals, [measured("a", 2, { amount: 1 }), badJson], {
      storage,
      policy: "dead-letter-key",
    });
    expect(result.failure).toMatchObject({ eventId: badJson.eventId, kind: "invalid_event" });
    expect(result.failure!.reason).toMatch(
      /^payload is not valid JSON: .*under dead-letter-key an event whose read-model keys are unknown cannot park them/,
    );
    expect(result.writes).toEqual([]);
  });

  it("refuses a projection with a handler that declares no prefetch", async () => {
    const notes = notesProjection("notes", async ({ readModel }, event) => {
      await readModel.update({ id: event.payload.text }, (doc) => doc);
    });
    const run = applyBatch(notes, [measured("a", 1, { text: "x" }, "Noted")], {
      storage: new MemoryReadModelStorage<Note>(),
      policy: "dead-letter-key",
    });
    await expect(run).rejects.toThrow(
      /notes: the dead-letter-key policy needs a prefetch on every handler.*Noted declares none/,
    );
  });
});

describe("keyed read model", () => {
  it("loads and writes each touched document once, however many events touch it", async () => {
    const storage = new CountingStorage<Totals>();
    storage.memory.applyWrites([{ op: "insert", key: "b", doc: { bucket: "b", count: 10, total: 100 } }]);
    const buckets = ["a", "b", "c"];
    // Each bucket gets 1,000 events: 900 of amount 1 and 100 of amount 4 (every tenth index, 3 mod 10).
    const events = Array.from({ length: 3_000 }, (_, index) =>
      measured(buckets[index % 3] as string, 3, { amount: index % 10 === 3 ? 4 : 1, unit: "ms" }),
    );
    const result = await applyBatch(totals, events, { storage, policy: "fail" });
    expect(result.counters.applied).toBe(3_000);
    expect(storage.loadCalls).toBe(1);
    expect(Object.fromEntries(storage.loadsByKey)).toEqual({ a: 1, b: 1, c: 1 });
    expect(result.writes).toEqual([
      { op: "insert", key: "a", doc: { bucket: "a", count: 1_000, total: 1_300 } },
      { op: "replace", key: "b", doc: { bucket: "b", count: 1_010, total: 1_400 } },
      { op: "insert", key: "c", doc: { bucket: "c", count: 1_000, total: 1_300 } },
    ]);
  });

  it("without a prefetch, loads each key once, on first access", async () => {
    const lazy = defineProjection({
      name: "lazy",
      version: 1,
      complexity: "light",
      readModel: { document: z.object({ text: z.string(), seen: z.int() }), key: ["text"], initial: ({ text }) => ({ text, seen: 0 }) },
      events: {
        Noted: {
          event: Noted,
          handle: async ({ readModel }, event) => {
            await readModel.update({ text: event.payload.text }, (doc) => ({ ...doc, seen: doc.seen + 1 }));
          },
        },
      },
    });
    const storage = new CountingStorage<{ text: string; seen: number }>();
    const events = Array.from({ length: 1_000 }, (_, index) => measured(null, 1, { text: `t${index % 4}` }, "Noted"));
    const result = await applyBatch(lazy, events, { storage, policy: "fail" });
    expect(storage.loadCalls).toBe(4);
    expect(Object.fromEntries(storage.loadsByKey)).toEqual({ t0: 1, t1: 1, t2: 1, t3: 1 });
    expect(result.writes.map((write) => write.op)).toEqual(["insert", "insert", "insert", "insert"]);
  });

  it("writes nothing for a document that ends the batch as it was loaded, and deletes what handlers delete", async () => {
    const toggles = defineProjection({
      name: "toggles",
      version: 1,
      complexity: "light",
      readModel: {
        document: z.object({ region: z.string(), device: z.string(), on: z.boolean() }),
        key: ["region", "device"],
        initial: ({ region, device }) => ({ region, device, on: false }),
      },
      events: {
        Noted: {
          event: Noted,
          handle: async ({ readModel }, event) => {
            const key = { region: requireAttribute(event, "bucket"), device: "tv" };
            if (event.payload.text === "remove") await readModel.delete(key);
            else await readModel.update(key, (doc) => ({ ...doc, on: !doc.on }));
          },
        },
      },
    });
    const storage = new CountingStorage<{ region: string; device: string; on: boolean }>();
    storage.memory.applyWrites([
      { op: "insert", key: '["eu","tv"]', doc: { region: "eu", device: "tv", on: true } },
      { op: "insert", key: '["us","tv"]', doc: { region: "us", device: "tv", on: true } },
    ]);
    const note = (region: string, text: string) => measured(region, 1, { text }, "Noted");
    const events = [note("eu", "flip"), note("eu", "flip"), note("us", "remove"), note('a"b', "flip")];
    const result = await applyBatch(toggles, events, { storage, policy: "fail" });
    expect(result.writes).toEqual([
      { op: "delete", key: '["us","tv"]' },
      { op: "insert", key: '["a\\"b","tv"]', doc: { region: 'a"b', device: "tv", on: true } },
    ]);
  });
});
