import { describe, expect, it } from "vitest";
import {
  attributesProblem,
  defineEnvelope,
  DEFAULT_ENVELOPE_COLUMNS,
  EnvelopeError,
  InvalidEventError,
  requireAttribute,
  requireBooleanAttribute,
  attributeNamed,
  requireNumberAttribute,
  type DecodedEvent,
  type EnvelopeSpec,
  type EventAttributes,
} from "../../src/registry/index.ts";

const orders = defineEnvelope({
  columns: { position: "seq", occurredAt: "placed_at" },
  attributes: { region: "string", priority: "number", express: { column: "is_express", type: "boolean" } },
});

describe("defineEnvelope", () => {
  it("takes the default name of every core column it is not given", () => {
    expect(orders.columns).toEqual({ ...DEFAULT_ENVELOPE_COLUMNS, position: "seq", occurredAt: "placed_at" });
    expect(defineEnvelope().columns).toEqual(DEFAULT_ENVELOPE_COLUMNS);
  });

  it("gives each attribute its column (its own name unless declared) and its type, in declaration order", () => {
    expect(Object.entries(orders.attributes)).toEqual([
      ["region", { column: "region", type: "string" }],
      ["priority", { column: "priority", type: "number" }],
      ["express", { column: "is_express", type: "boolean" }],
    ]);
  });

  it("is frozen, so no part of the engine can change what the app declared", () => {
    expect(Object.isFrozen(orders.columns) && Object.isFrozen(orders.attributes.region)).toBe(true);
  });

  it.each<[string, unknown, RegExp]>([
    [
      "an unknown core column",
      { columns: { postion: "p" } },
      /columns\.postion is not an envelope column; they are position, id, type/,
    ],
    [
      "two core columns on one column",
      { columns: { id: "event_type" } },
      /columns\.type and columns\.id are both "event_type"/,
    ],
    [
      "an attribute on a core column",
      { attributes: { event_type: "string" } },
      /attribute "event_type" uses column "event_type", which already holds the event's type/,
    ],
    [
      "two attributes on one column",
      { attributes: { a: "string", b: { column: "a", type: "number" } } },
      /attribute "b" uses column "a", which already holds attribute "a"/,
    ],
    [
      "an unknown attribute type",
      { attributes: { retries: "int" } },
      /attribute "retries" has type "int" \(string\); an attribute is "string", "number", "boolean"/,
    ],
    [
      "an attribute name that is not an identifier",
      { attributes: { "my-region": "string" } },
      /attribute name "my-region" must be a letter/,
    ],
    [
      "a column name that reads as a nested path",
      { attributes: { region: { column: "address.region", type: "string" } } },
      /attribute "region" column must be a column name .* got "address\.region"/,
    ],
    ["an empty core column name", { columns: { payload: "" } }, /columns\.payload must be a column name/],
    [
      "an unknown key of an attribute",
      { attributes: { region: { type: "string", nullable: true } } },
      /attribute "region" declares "nullable"/,
    ],
    [
      "an unknown key of the declaration",
      { attribute: {} },
      /the envelope declares "attribute"; it takes "columns", "attributes" and "attributesColumn"/,
    ],
    [
      "a number attribute in a string map",
      { attributesColumn: { name: "attributes", type: "map" }, attributes: { priority: "number" } },
      /attribute "priority" is a number, but the map column "attributes" holds strings only \(map<string, string>\): declare it "string", give it a column of its own \(\{ column: "priority", type: "number" \}\), or make attributesColumn a struct/,
    ],
    [
      "a boolean attribute in a string map",
      {
        attributesColumn: { name: "attributes", type: "map" },
        attributes: { express: { key: "x-express", type: "boolean" } },
      },
      /attribute "express" is a boolean, but the map column "attributes" holds strings only/,
    ],
    [
      "an attributes column of an unknown type",
      { attributesColumn: { name: "attributes", type: "list" } },
      /attributesColumn "attributes" has type "list" \(string\); it is "map" \(map<string, string>\) or "struct"/,
    ],
    [
      "an attributes column on a core column",
      { attributesColumn: { name: "payload", type: "map" } },
      /attributesColumn "payload" already holds the event's payload/,
    ],
    [
      "two attributes on one key",
      {
        attributesColumn: { name: "attributes", type: "map" },
        attributes: { region: "string", area: { key: "region", type: "string" } },
      },
      /attributes "region" and "area" both use key "region" of column "attributes": each needs a key of its own/,
    ],
    [
      "a key without an attributes column",
      { attributes: { region: { key: "Region", type: "string" } } },
      /attribute "region" declares key "Region", which needs an attributes column: add attributesColumn/,
    ],
    [
      "a key on an attribute with a column of its own",
      {
        attributesColumn: { name: "attributes", type: "map" },
        attributes: { region: { column: "region", key: "Region", type: "string" } },
      },
      /attribute "region" has a column of its own \("region"\) and a key "Region"/,
    ],
    [
      "a number attribute whose column is the string map's",
      {
        attributesColumn: { name: "region", type: "map" },
        attributes: {
          area: { column: "x", type: "string" },
          region: { column: "y", type: "string" },
          other: { column: "region", type: "number" },
        },
      },
      /attribute "other" is a number, but the map column "region" holds strings only/,
    ],
  ])("refuses %s", (_, spec, message) => {
    expect(() => defineEnvelope(spec as EnvelopeSpec)).toThrow(EnvelopeError);
    expect(() => defineEnvelope(spec as EnvelopeSpec)).toThrow(message);
  });
});

describe("attributes kept in one map or struct column", () => {
  it("puts every attribute without a column of its own under its key in the attributes column", () => {
    const envelope = defineEnvelope({
      attributesColumn: { name: "attributes", type: "map" },
      attributes: {
        region: "string",
        channel: { key: "sales-channel", type: "string" },
        priority: { column: "prio", type: "number" },
      },
    });
    expect(envelope.attributesColumn).toEqual({ name: "attributes", type: "map" });
    expect(Object.entries(envelope.attributes)).toEqual([
      ["region", { column: "attributes", key: "region", type: "string" }],
      ["channel", { column: "attributes", key: "sales-channel", type: "string" }],
      ["priority", { column: "prio", type: "number" }],
    ]);
  });

  it("keeps attributes of any type in a struct column, each its field", () => {
    const envelope = defineEnvelope({
      attributesColumn: { name: "attrs", type: "struct" },
      attributes: { region: "string", priority: "number", express: "boolean" },
    });
    expect(envelope.attributes.priority).toEqual({ column: "attrs", key: "priority", type: "number" });
    expect(envelope.attributes.express).toEqual({ column: "attrs", key: "express", type: "boolean" });
  });

  it("reads its own declared attributes back as a declaration of the same envelope", () => {
    const envelope = defineEnvelope({
      attributesColumn: { name: "attributes", type: "map" },
      attributes: { region: "string" },
    });
    expect(
      defineEnvelope({ attributesColumn: envelope.attributesColumn, attributes: { ...envelope.attributes } }),
    ).toEqual(envelope);
  });
});

describe("attributes checked against the envelope", () => {
  it("accepts declared attributes of their types, nulls and left-out ones", () => {
    expect(attributesProblem(orders, { region: "EU", priority: 2, express: false })).toBeNull();
    expect(attributesProblem(orders, { region: null })).toBeNull();
    expect(attributesProblem(orders, {})).toBeNull();
  });

  it("names an undeclared attribute and the declared ones", () => {
    expect(attributesProblem(orders, { channel: "web" })).toBe(
      'attribute "channel" is not declared in the event envelope (declared: region (string), priority (number), express (boolean))',
    );
  });

  it("names the attribute, the value and the declared type of a value of another type", () => {
    expect(attributesProblem(orders, { priority: "2" })).toBe(
      'attribute "priority" is "2" (string), but the envelope declares it a finite number',
    );
    expect(attributesProblem(orders, { priority: Number.NaN })).toMatch(
      /is NaN \(number\), but the envelope declares it a finite number/,
    );
    expect(attributesProblem(orders, { express: 1 })).toBe(
      'attribute "express" is 1 (number), but the envelope declares it a boolean',
    );
  });

  it("finds a declared attribute by name, never one of Object's own properties", () => {
    expect(attributeNamed(orders, "express")).toEqual({ column: "is_express", type: "boolean" });
    expect(attributeNamed(orders, "toString")).toBeUndefined();
    expect(attributesProblem(orders, { toString: "x" })).toMatch(/attribute "toString" is not declared/);
  });
});

describe("typed attribute readers in handlers", () => {
  const event = decodedEventWith({ region: "EU", priority: 3, express: true, note: null });

  it("return a value of the type asked for", () => {
    expect([
      requireAttribute(event, "region"),
      requireNumberAttribute(event, "priority"),
      requireBooleanAttribute(event, "express"),
    ]).toEqual(["EU", 3, true]);
  });

  it("mark the event invalid when the attribute is missing, null or of another type", () => {
    expect(() => requireNumberAttribute(event, "region")).toThrow(
      new InvalidEventError("attribute region is a string, expected a number"),
    );
    expect(() => requireAttribute(event, "note")).toThrow("attribute note is null, expected a string");
    expect(() => requireBooleanAttribute(event, "gift")).toThrow("attribute gift is missing, expected a boolean");
  });
});

function decodedEventWith(attributes: EventAttributes): DecodedEvent<unknown> {
  return {
    globalPosition: 1,
    eventId: "e1",
    eventType: "OrderPlaced",
    eventVersion: 1,
    occurredAtMs: 0,
    streamId: "o1",
    attributes,
    payload: {},
  };
}
