// When an expiring value (an access token, vended credentials) is fetched again.
import { describe, expect, it } from "vitest";
import { ExpiringValue, REFRESH_MARGIN_MS } from "../../src/archive/rest-catalog/expiring-value.ts";

function counter(lifetimeMs: number | undefined, clock: { now: number }) {
  let fetched = 0;
  const value = new ExpiringValue(
    async () => {
      fetched++;
      return { value: `v${fetched}`, expiresAtMs: lifetimeMs === undefined ? undefined : clock.now + lifetimeMs };
    },
    undefined,
    () => clock.now,
  );
  return { value, fetched: () => fetched };
}

describe("an expiring value", () => {
  it("is fetched again a minute before a long-lived value expires, not earlier", async () => {
    const clock = { now: 0 };
    const { value, fetched } = counter(3_600_000, clock);
    expect(await value.get()).toBe("v1");
    clock.now = 3_600_000 - REFRESH_MARGIN_MS - 1;
    expect(await value.get()).toBe("v1");
    clock.now = 3_600_000 - REFRESH_MARGIN_MS;
    expect(await value.get()).toBe("v2");
    expect(fetched()).toBe(2);
  });

  it("lives four fifths of a short lifetime before it is fetched again", async () => {
    const clock = { now: 0 };
    const { value } = counter(2_000, clock);
    await value.get();
    clock.now = 1_599;
    expect(await value.get()).toBe("v1");
    clock.now = 1_600;
    expect(await value.get()).toBe("v2");
  });

  it("without an expiry, is kept until refreshed, and concurrent callers share one fetch", async () => {
    const clock = { now: 0 };
    const { value, fetched } = counter(undefined, clock);
    expect(await Promise.all([value.get(), value.get(), value.get()])).toEqual(["v1", "v1", "v1"]);
    clock.now = 10 ** 12;
    expect(await value.get()).toBe("v1");
    expect(await Promise.all([value.refresh(), value.get()])).toEqual(["v2", "v2"]);
    expect(fetched()).toBe(2);
  });

  it("starts from an initial value without fetching", async () => {
    let fetched = 0;
    const value = new ExpiringValue(async () => ({ value: `fetched${++fetched}` }), {
      value: "given",
      expiresAtMs: Date.now() + 3_600_000,
    });
    expect(await value.get()).toBe("given");
    expect(fetched).toBe(0);
  });
});
