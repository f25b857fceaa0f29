import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { FunctionResult } from "../../src/local/runtime/function-result.ts";
import { decodeIdentityToken, encodeIdentityToken, IdentityTokenError } from "../../src/local/runtime/identity.ts";
import { listModules } from "../../src/local/runtime/module-map.ts";
import { PeriodicSaver } from "../../src/local/runtime/persistence.ts";
import { SubscriptionHub, type SubscribedQuery } from "../../src/local/runtime/subscriptions.ts";

const PROJECT_CONVEX_DIR = fileURLToPath(new URL("../../convex/", import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local runtime identity tokens", () => {
  it("carry an identity with its custom claims through encode and decode", () => {
    const identity = { subject: "ada", name: "Ada Lovelace", email: "ada@example.com", role: "admin" };
    expect(decodeIdentityToken(encodeIdentityToken(identity))).toEqual(identity);
  });

  it("use the JWT claim names Convex derives identities from", () => {
    const token = encodeIdentityToken({ subject: "ada", preferredUsername: "ada", role: "admin" });
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
    expect(payload).toEqual({ sub: "ada", preferred_username: "ada", role: "admin" });
    expect(token.endsWith(".")).toBe(true);
  });

  it("read any JWT's claims, non-ASCII text included", () => {
    const payload = Buffer.from(JSON.stringify({ sub: "zoë", iss: "https://issuer.example" })).toString("base64url");
    expect(decodeIdentityToken(`header.${payload}.signature`)).toEqual({
      subject: "zoë",
      issuer: "https://issuer.example",
    });
  });

  it("reject tokens that are not a JWT with a JSON object of claims", () => {
    expect(() => decodeIdentityToken("admin")).toThrow(IdentityTokenError);
    expect(() => decodeIdentityToken("a.bm90IGpzb24.")).toThrow(/not base64url-encoded JSON/);
    expect(() => decodeIdentityToken(`a.${Buffer.from("[1]").toString("base64url")}.`)).toThrow(/not a JSON object/);
  });
});

describe("the local runtime's module listing", () => {
  it("lists the Convex modules of a functions folder and leaves out files with two dots", () => {
    const modules = [...listModules(PROJECT_CONVEX_DIR).keys()];
    expect(modules).toEqual(
      expect.arrayContaining(["schema", "reproject", "reprojectNode", "rebuilds", "_generated/api"]),
    );
    // test.setup.ts, convex.config.ts and _generated/*.d.ts would keep a dot after their extension is cut.
    expect(modules.filter((name) => name.includes("."))).toEqual([]);
  });
});

describe("subscriptions", () => {
  const query: SubscribedQuery = { path: "notes:count", args: {}, identity: undefined };

  /** A hub over a counter that stands for the database; each run records itself. */
  function hubOverCounter(options = { minRefreshIntervalMs: 100, fallbackRefreshMs: 60_000 }) {
    const state = { value: 0, runs: 0 };
    const hub = new SubscriptionHub(async () => {
      state.runs++;
      return { status: "success", value: state.value } satisfies FunctionResult;
    }, options);
    return { state, hub };
  }

  it("push the current result at once and then only results that changed", async () => {
    const { state, hub } = hubOverCounter({ minRefreshIntervalMs: 0, fallbackRefreshMs: 60_000 });
    const pushed: unknown[] = [];
    await hub.subscribe(query, (result) => pushed.push(result));
    hub.invalidate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    state.value = 1;
    hub.invalidate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    hub.close();
    expect(pushed).toEqual([
      { status: "success", value: 0 },
      { status: "success", value: 1 },
    ]);
    expect(state.runs).toBe(3);
  });

  it("refresh at most once per interval however many writes come, and end on the latest result", async () => {
    const { state, hub } = hubOverCounter();
    const pushed: number[] = [];
    await hub.subscribe(query, (result) => pushed.push((result as { value: number }).value));
    const startedAt = performance.now();
    while (performance.now() - startedAt < 450) {
      state.value++;
      hub.invalidate();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    hub.close();
    expect(state.value).toBeGreaterThan(50);
    expect(state.runs).toBeLessThanOrEqual(1 + 6);
    expect(pushed.at(-1)).toBe(state.value);
  });

  it("re-run subscribed queries on the fallback period without any write", async () => {
    const { state, hub } = hubOverCounter({ minRefreshIntervalMs: 0, fallbackRefreshMs: 30 });
    await hub.subscribe(query, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    hub.close();
    expect(state.runs).toBeGreaterThanOrEqual(4);
  });

  it("stop refreshing a query once its last subscriber leaves", async () => {
    const { state, hub } = hubOverCounter({ minRefreshIntervalMs: 0, fallbackRefreshMs: 60_000 });
    const unsubscribe = await hub.subscribe(query, () => undefined);
    unsubscribe();
    hub.invalidate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    hub.close();
    expect(state.runs).toBe(1);
    expect(hub.size).toBe(0);
  });
});

describe("periodic snapshots", () => {
  it("are saved only after changes, and once more at stop", async () => {
    let saves = 0;
    const saver = new PeriodicSaver(
      async () => void saves++,
      20,
      (error) => {
        throw error;
      },
    );
    await sleep(80);
    expect(saves).toBe(0);
    saver.markChanged();
    await sleep(80);
    expect(saves).toBe(1);
    await saver.stop();
    expect(saves).toBe(2);
  });

  it("are tried again at the next period when saving failed, and the failure is reported", async () => {
    let attempts = 0;
    const failures: unknown[] = [];
    const saver = new PeriodicSaver(
      async () => {
        if (++attempts === 1) throw new Error("disk full");
      },
      20,
      (error) => failures.push(error),
    );
    saver.markChanged();
    await sleep(100);
    await saver.stop();
    expect(failures).toEqual([new Error("disk full")]);
    expect(attempts).toBe(3);
  });
});
