// Property-based tests over every public function's arguments: invalid shapes, huge strings,
// injection-looking filters. Each call must end in an argument-validation error or a clear
// refused/rejected answer — never another exception, never a partial write.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { componentDocuments, createConvexTest, inComponent } from "../support/convex";

const ADMIN = { subject: "ops-1", role: "admin" };
const RUNS = 60;

beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = "/nonexistent/archive";
});
afterEach(() => vi.useRealTimers());

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("'; DROP TABLE rebuilds; --", "../../etc/passwd", "${process.env}", "<script>alert(1)</script>", "\u0000\uFFFF", "rebufferByCdn\n"),
  fc.string({ minLength: 10_000, maxLength: 100_000 }),
);
// What a client can send: JSON-like values plus Convex's own (BigInt, bytes); no prototype tricks,
// which no wire format carries.
const anything = fc.anything({ maxDepth: 3, withBigInt: true });

/**
 * Argument validation failures (shape, or a value Convex cannot store such as a bad field name) are
 * how Convex refuses a call. convex-test's validator itself throws a TypeError on a few values Convex
 * refuses with a validation error (`null` where an object is expected, an object with an own
 * `toString` field): an exception raised inside its argument validation is the same refusal — the
 * handler never ran.
 */
function isValidationError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (/Validator|validator|does not match|ArgumentValidationError|not a valid|Unexpected field|Field name|is not a supported Convex type|limit must be a number of rows/i.test(error.message) ||
      (error instanceof TypeError && /\bvalidateFunctionArgs\b/.test(error.stack ?? "")))
  );
}

async function expectValidationErrorOrAnswer(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (!isValidationError(error)) throw error;
    return undefined;
  }
}

describe("hostile admin input", () => {
  it("trigger: any projection and options end in a validation error or a refused/rejected answer, and write nothing else", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        hostileString,
        fc.oneof(
          anything,
          fc.record(
            {
              filter: fc.record({ fromMs: fc.double(), toMs: fc.double(), eventTypes: fc.array(hostileString), attributes: fc.dictionary(hostileString, fc.array(hostileString)) }, { requiredKeys: [] }),
              rateLimit: fc.double(),
              dryRun: fc.boolean(),
              errorPolicy: fc.oneof(fc.constantFrom("fail", "dead-letter"), hostileString),
              target: hostileString,
              mode: fc.constantFrom("rebuild", "verify"),
              keepShadow: fc.boolean(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (projection, options) => {
          const answer = (await expectValidationErrorOrAnswer(() =>
            admin.mutation(api.rebuilds.trigger, { projection, options } as never),
          )) as { status: string; reason?: string } | undefined;
          if (answer) {
            answered++;
            expect(["rejected", "refused"]).toContain(answer.status);
            expect(answer.reason).toBeTypeOf("string");
            expect(answer.reason!.length).toBeLessThan(1_000);
          }
        },
      ),
      { numRuns: RUNS, examples: [["'; DROP TABLE rebuilds; --", null]] },
    );
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect())).toEqual([]);
    expect(await componentDocuments(t, "auditLog")).toHaveLength(answered);
  });

  it("cancel, pause, resume, promote, discard: any id is a validation error or a rejection", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const controls = [api.rebuilds.cancel, api.rebuilds.pause, api.rebuilds.resume, api.rebuilds.promote, api.rebuilds.discard];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...controls), fc.oneof(hostileString, anything), async (control, rebuildId) => {
        const answer = (await expectValidationErrorOrAnswer(() => admin.mutation(control, { rebuildId } as never))) as
          | { status: string; reason?: string }
          | undefined;
        if (answer) expect(answer).toMatchObject({ status: "rejected", reason: expect.stringContaining("no rebuild with id") });
      }),
      { numRuns: RUNS, examples: [[api.rebuilds.cancel, { toString: false }], [api.rebuilds.pause, null]] },
    );
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect())).toEqual([]);
  });

  it("queries: any arguments are a validation error or a well-formed answer", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, anything), fc.oneof(fc.integer(), fc.double(), anything), async (id, limit) => {
        for (const call of [
          () => admin.query(api.rebuilds.status, { rebuildId: id } as never),
          () => admin.query(api.rebuilds.history, { projection: id, limit } as never),
          () => admin.query(api.rebuilds.deadLetters, { rebuildId: id, limit } as never),
          () => admin.query(api.rebuilds.auditLog, { limit } as never),
        ]) {
          const answer = await expectValidationErrorOrAnswer(call);
          expect(answer === undefined || answer === null || Array.isArray(answer)).toBe(true);
        }
      }),
      { numRuns: RUNS, examples: [["x", Number.NaN], ["x", Number.POSITIVE_INFINITY], ["x", -1]] },
    );
  });

  it("refuses callers without the admin role, whatever they send, and audits every attempt", async () => {
    const t = createConvexTest();
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.record({ subject: fc.string({ minLength: 1 }), role: fc.oneof(fc.constant("viewer"), hostileString) }), { nil: undefined }),
        hostileString,
        async (identity, projection) => {
          fc.pre(identity?.role !== "admin");
          const caller = identity ? t.withIdentity(identity) : t;
          const answer = (await caller.mutation(api.rebuilds.trigger, { projection })) as { status: string };
          attempts++;
          expect(answer.status).toBe("refused");
          await expect(caller.query(api.rebuilds.listActive, {})).rejects.toThrow(/not signed in|does not have the admin role/);
        },
      ),
      { numRuns: RUNS },
    );
    const log = await componentDocuments(t, "auditLog");
    expect(log).toHaveLength(attempts);
    expect(log.every((entry) => entry.outcome === "refused")).toBe(true);
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect())).toEqual([]);
  });
});
