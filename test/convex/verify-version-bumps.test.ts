// A projection that declares what its version bump may change has the bump's rebuild run as a verify
// run: promoted by itself when the differences stay within the expectation, kept for an operator
// (with the reasons, on the status and in the audit log) when they do not.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, projectionRowOf, rebuildsOf, settleRebuilds } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";

const code = vi.hoisted(() => ({
  version: 1,
  verifyBumps: undefined as { mayChange: string[]; maxChangedShare?: number } | undefined,
}));

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const { sessionSummaryV2 } = await import("../support/session-summary-v2.ts");
  return {
    ...original,
    get registry() {
      return code.version === 1
        ? original.registry
        : defineRegistry([original.rebufferByCdn, sessionSummaryV2(original.playbackEvents, code.verifyBumps)]);
    },
  };
});

const ADMIN = { subject: "ops-1", role: "admin" };
/** Every field version 2 of sessionSummary renames, drops, adds or retypes (rebufferCount stays). */
const RESHAPED_FIELDS = [
  "eventCount",
  "errorCount",
  "firstAt",
  "lastAt",
  "events",
  "playCount",
  "firstAtMs",
  "lastAtMs",
];

beforeAll(async () => {
  process.env.REPROJECT_ARCHIVE = await localDemoArchive(3_000, 61);
});
beforeEach(() => {
  vi.useFakeTimers();
  code.version = 1;
  code.verifyBumps = undefined;
  vi.resetModules();
});
afterEach(() => vi.useRealTimers());

/** Builds version 1, deploys version 2 with `verifyBumps`, reconciles and lets the verify run finish. */
async function bumpVerified(verifyBumps: { mayChange: string[]; maxChangedShare?: number }) {
  const t = createConvexTest();
  await t.mutation(internal.reproject.reconcile, {});
  await settleRebuilds(t);
  code.version = 2;
  code.verifyBumps = verifyBumps;
  vi.resetModules();
  expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
    projection: "sessionSummary",
    action: "started",
  });
  await settleRebuilds(t);
  const bump = (await rebuildsOf(t, "sessionSummary")).at(-1)!;
  const audit = await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {});
  return { t, bump, audit: audit.filter((entry) => entry.rebuildId === bump._id) };
}

describe("verified version bumps", () => {
  it("promotes the bump by itself when only the expected fields change", async () => {
    const { t, bump, audit } = await bumpVerified({ mayChange: RESHAPED_FIELDS });
    expect(bump).toMatchObject({ version: 2, mode: "verify", state: "completed" });
    expect(bump.verify).toMatchObject({
      shadow: "promoted",
      onlyInActive: 0,
      onlyInShadow: 0,
      verdict: { within: true, reasons: [] },
    });
    expect(bump.verify!.changed).toBe(bump.verify!.compared);
    expect(bump.verify!.changedFields).toEqual([...RESHAPED_FIELDS].sort());
    const row = await projectionRowOf(t, "sessionSummary");
    expect(row).toMatchObject({ activeGeneration: bump.generation, builtVersion: 2 });
    expect(row!.staleSince).toBeUndefined();
    expect(audit.find((entry) => entry.action === "shadow_promoted")).toMatchObject({
      actor: { subject: "system" },
      outcome: "promoted_automatically",
    });
  });

  it("keeps the shadow for an operator when a field outside the expectation changes, saying which", async () => {
    const { t, bump, audit } = await bumpVerified({ mayChange: ["playCount"] });
    expect(bump.verify).toMatchObject({ shadow: "kept", verdict: { within: false } });
    expect(bump.verify!.verdict!.reasons).toEqual([
      "fields that may not change changed: errorCount, eventCount, events, firstAt, firstAtMs, lastAt, lastAtMs",
    ]);
    const row = await projectionRowOf(t, "sessionSummary");
    expect(row).toMatchObject({ activeGeneration: 1, builtVersion: 1, version: 2 });
    expect(row!.staleSince).toBeTypeOf("number");
    expect(audit.find((entry) => entry.action === "shadow_kept")).toMatchObject({
      outcome: "waiting_for_operator",
      details: expect.stringContaining("fields that may not change changed: errorCount"),
    });
    // Reconcile does not start another one for the same version; the operator decides.
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "sessionSummary",
      action: "already_requested",
    });
    await t.withIdentity(ADMIN).mutation(api.rebuilds.promote, { rebuildId: bump._id });
    expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({
      activeGeneration: bump.generation,
      builtVersion: 2,
    });
  });

  it("keeps the shadow when more documents change than the expected share", async () => {
    const { t, bump } = await bumpVerified({ mayChange: RESHAPED_FIELDS, maxChangedShare: 0.25 });
    expect(bump.verify).toMatchObject({ shadow: "kept", verdict: { within: false } });
    expect(bump.verify!.verdict!.reasons).toEqual(["100% of the documents changed, more than the 25% expected"]);
    expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({ activeGeneration: 1, builtVersion: 1 });
  });

  it("promotes a manual verify run given promoteWithin when it finds nothing outside it, and refuses promoteWithin without verify", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    const promoteWithin = { mayChange: [], maxChangedShare: 0 };
    expect(
      await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary", options: { promoteWithin } }),
    ).toEqual({
      status: "rejected",
      reason: 'promoteWithin is for verify runs: add mode: "verify"',
    });
    const started = (await admin.mutation(api.rebuilds.trigger, {
      projection: "sessionSummary",
      options: { mode: "verify", promoteWithin },
    })) as { rebuildId: string };
    await settleRebuilds(t);
    const run = (await rebuildsOf(t, "sessionSummary")).find((rebuild) => rebuild._id === started.rebuildId)!;
    expect(run.verify).toMatchObject({ shadow: "promoted", changed: 0, verdict: { within: true, reasons: [] } });
    expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({ activeGeneration: run.generation });
  });
});
