// The configuration mistakes an app can make when it wires Reproject in, each refused when
// `convex/reproject.ts` is evaluated (at start-up and at deploy) with the problem and the fix.
import { anyApi, componentsGeneric, cronJobs } from "convex/server";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineEnvelope, defineEvent, defineProjection, defineRegistry } from "../../src/registry/index.ts";
import {
  adminFromEnvironment,
  defineReproject,
  ReprojectConfigError,
  type ExportedFunctions,
  type ExportedNodeFunctions,
  type ReprojectConfig,
} from "../../src/server/index.ts";

const OrderPlaced = defineEvent("OrderPlaced", {
  versions: { 1: z.object({ customer: z.string() }) },
  attributes: { region: "string", express: "boolean" },
});

const ordersPerRegion = defineProjection({
  name: "ordersPerRegion",
  version: 1,
  complexity: "light",
  readModel: {
    document: z.object({ region: z.string(), orders: z.int() }),
    key: ["region"],
    initial: ({ region }) => ({ region, orders: 0 }),
  },
  events: {
    OrderPlaced: {
      event: OrderPlaced,
      handle: async ({ readModel }, event) => {
        const region = String(event.attributes.region);
        await readModel.update({ region }, (doc) => ({ ...doc, orders: doc.orders + 1 }));
      },
    },
  },
});

const registry = defineRegistry([ordersPerRegion]);
const envelope = defineEnvelope({ attributes: { region: "string", express: "boolean" } });
const components = componentsGeneric() as unknown as { reproject: ReprojectConfig["component"] };
const valid = { component: components.reproject, registry, envelope, authorize: adminFromEnvironment() };

function refusal(config: unknown): string {
  try {
    defineReproject(config as typeof valid);
  } catch (error) {
    expect(error).toBeInstanceOf(ReprojectConfigError);
    return (error as Error).message;
  }
  throw new Error("defineReproject accepted the configuration");
}

describe("defineReproject", () => {
  it("accepts a complete configuration and resolves the default module paths", () => {
    const reproject = defineReproject(valid);
    expect(reproject.wiring.modules).toEqual({ functions: "reproject", node: "reprojectNode" });
    expect(Object.keys(reproject.functions())).toHaveLength(22);
    expect(Object.keys(reproject.adminApi())).toHaveLength(15);
  });

  it("refuses a configuration without an admin check, naming adminFromEnvironment", () => {
    const { authorize: _left, ...withoutAuthorize } = valid;
    expect(refusal(withoutAuthorize)).toMatch(/authorize is missing: .*authorize: adminFromEnvironment\(\)/);
  });

  it("refuses a missing component, the whole components object and a function API in its place", () => {
    const { component: _left, ...withoutComponent } = valid;
    expect(refusal(withoutComponent)).toMatch(
      /component is missing: pass components\.reproject from \.\/_generated\/api/,
    );
    expect(refusal({ ...valid, component: componentsGeneric() })).toMatch(/component is not an installed component/);
    expect(refusal({ ...valid, component: anyApi.reproject })).toMatch(/component is not an installed component/);
  });

  it("refuses a missing registry or envelope", () => {
    expect(refusal({ ...valid, registry: undefined })).toMatch(/registry is missing: pass defineRegistry/);
    expect(refusal({ ...valid, envelope: undefined })).toMatch(/envelope is missing: pass defineEnvelope/);
  });

  it("refuses an envelope that cannot carry an event's declared attributes, naming the event, attribute and fix", () => {
    const withoutExpress = defineEnvelope({ attributes: { region: "string" } });
    expect(refusal({ ...valid, envelope: withoutExpress })).toMatch(
      /event OrderPlaced carries the boolean attribute "express", which the envelope does not declare \(declared: region \(string\)\): add express: "boolean" to defineEnvelope/,
    );
    const retyped = defineEnvelope({ attributes: { region: "number", express: "boolean" } });
    expect(refusal({ ...valid, envelope: retyped })).toMatch(
      /event OrderPlaced carries "region" as a string, but the envelope declares it a finite number/,
    );
  });

  it("refuses module paths that are not Convex modules, and one module for both roles", () => {
    expect(refusal({ ...valid, modules: { functions: "convex/reproject.ts" } })).toMatch(
      /modules\.functions must be a Convex module path such as "reproject"/,
    );
    expect(refusal({ ...valid, modules: { functions: "engine", node: "engine" } })).toMatch(
      /Node actions need their own "use node" module/,
    );
  });

  it("refuses a notify function that is not named module:export", () => {
    expect(refusal({ ...valid, notify: "rebuildNotifications" })).toMatch(
      /notify must name the app's function as "module:export", such as "rebuildNotifications:record", got "rebuildNotifications"/,
    );
    expect(() => defineReproject({ ...valid, notify: "admin/alerts:rebuildChanged" })).not.toThrow();
  });

  it("an event declaring an attribute of no known type is refused where it is declared", () => {
    expect(() =>
      defineEvent("Odd", { versions: { 1: z.object({}) }, attributes: { when: "date" as "string" } }),
    ).toThrow(/event Odd: attributes\.when is "date"; an attribute is "string", "number" or "boolean"/);
  });
});

describe("reproject.crons", () => {
  const reproject = defineReproject({ ...valid, modules: { functions: "admin/reproject" } });
  const functions = anyApi.admin!.reproject as unknown as ExportedFunctions;
  const node = anyApi.reprojectNode as unknown as ExportedNodeFunctions;

  it("schedules the watchdog, reconcile, the archiver, maintenance and retention on the configured modules", () => {
    const crons = cronJobs();
    reproject.crons(crons, functions, node);
    expect(Object.fromEntries(Object.entries(crons.crons).map(([name, job]) => [name, job.name]))).toEqual({
      "reproject: resume stalled rebuilds": "admin/reproject:superviseRebuilds",
      "reproject: reconcile projection versions": "admin/reproject:reconcile",
      "reproject: archive old events": "reprojectNode:archive",
      "reproject: maintain the event archive": "admin/reproject:startMaintenance",
      "reproject: apply retention": "admin/reproject:applyRetention",
    });
  });

  it("refuses the functions of another module than the configured one, with the fix", () => {
    expect(() => reproject.crons(cronJobs(), anyApi.reproject as unknown as ExportedFunctions, node)).toThrow(
      /expected admin\/reproject:storePlan \(modules\.functions is "admin\/reproject"\), got reproject:storePlan: export every function of reproject\.functions\(\) from convex\/admin\/reproject\.ts, or set modules\.functions/,
    );
  });

  it("refuses a module that leaves one of the engine's functions out", () => {
    const partial = Object.fromEntries(
      ["initializeLog", "plan", "archive", "compact", "expire", "cleanOrphans", "maintain", "probeNodeRuntime"].map(
        (name) => [name, (anyApi.reprojectNode as Record<string, unknown>)[name]],
      ),
    );
    expect(() => reproject.crons(cronJobs(), functions, partial as unknown as ExportedNodeFunctions)).toThrow(
      /expected reprojectNode:chunk .* got nothing: export every function of reprojectNode\(reproject\) from convex\/reprojectNode\.ts/,
    );
  });
});
