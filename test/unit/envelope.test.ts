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
      /the envelope declares "attribute"; it takes "columns" and "attributes"/,
    ],
  ])("refuses %s", (_, spec, message) => {
    expect(() => defineEnvelope(spec as EnvelopeSpec)).toThrow(EnvelopeError);
    expect(() => defineEnvelope(spec as EnvelopeSpec)).toThrow(message);
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
