// A rebuild's progress over time, as the panel charts it: sampled where batches commit, a bounded
// number of samples per rebuild however long it runs, the latest always where the rebuild stands.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, components } from "../../convex/_generated/api";
import { MAX_SAMPLES_PER_REBUILD, deleteRebuildSamples } from "../../src/component/samples";
import { ZERO_COUNTERS } from "../../src/component/validators";
import { createConvexTest, inComponent } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";

const ADMIN = { subject: "ops-1", name: "Ops", role: "admin" };
type T = ReturnType<typeof createConvexTest>;
type Sample = { at: number; processed: number; eventsPerSecond: number };

beforeAll(async () => {
  process.env.REPROJECT_ARCHIVE = await localDemoArchive(6_000, 4);
});
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function start(t: T): Promise<string> {
  const started = await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" });
  expect(started.status).toBe("started");
  return (started as { rebuildId: string }).rebuildId;
}

function samplesOf(t: T, rebuildId: string): Promise<Sample[]> {
  return t.withIdentity(ADMIN).query(api.rebuilds.samples, { rebuildId });
}

/** The engine's commit of a batch of `events` ending at `lastPosition`, as the app's batch mutation makes it. */
function commitBatch(t: T, rebuildId: string, lastPosition: number, events: number) {
  return t.run((ctx) =>
    ctx.runMutation(components.reproject.lifecycle.commitBatch, {
      rebuildId,
      lastPosition,
      counters: { ...ZERO_COUNTERS, found: events, applied: events },
      deadLetters: [],
    }),
  );
}

function expectRising(samples: Sample[]) {
  for (let i = 1; i < samples.length; i++) {
    expect(samples[i]!.at).toBeGreaterThan(samples[i - 1]!.at);
    expect(samples[i]!.processed).toBeGreaterThanOrEqual(samples[i - 1]!.processed);
  }
}

describe("rebuild samples", () => {
  it("keeps at most 300 samples of a long rebuild with many batches, rising in time and processed, the last at its end", async () => {
    const t = createConvexTest();
    const rebuildId = await start(t);
    const batches = 3_000;
    const batchMs = 2_000;
    const eventsPerBatch = 1_000;
    const startMs = Date.now();
    for (let batch = 1; batch <= batches; batch++) {
      vi.setSystemTime(startMs + batch * batchMs);
      await commitBatch(t, rebuildId, batch * eventsPerBatch, eventsPerBatch);
    }
    const samples = await samplesOf(t, rebuildId);
    expect(samples.length).toBeLessThanOrEqual(MAX_SAMPLES_PER_REBUILD);
    // 100 minutes of batches: thinning keeps samples over the whole run, not only its start or end.
    expect(samples.length).toBeGreaterThan(MAX_SAMPLES_PER_REBUILD / 4);
    expectRising(samples);
    expect(samples[0]).toMatchObject({ at: startMs + batchMs, processed: eventsPerBatch });
    expect(samples.at(-1)).toMatchObject({ at: startMs + batches * batchMs, processed: batches * eventsPerBatch });
    expect(samples.at(-1)!.eventsPerSecond).toBeCloseTo(eventsPerBatch / (batchMs / 1000), 6);
    const widestGapMs = Math.max(...samples.slice(1).map((sample, i) => sample.at - samples[i]!.at));
    expect(widestGapMs).toBeLessThan((batches * batchMs) / (MAX_SAMPLES_PER_REBUILD / 4));
  });

  it("gives batches committed in the same millisecond one sample, with the later count", async () => {
    const t = createConvexTest();
    const rebuildId = await start(t);
    vi.setSystemTime(Date.now() + 1_000);
    await commitBatch(t, rebuildId, 500, 500);
    await commitBatch(t, rebuildId, 800, 300);
    const samples = await samplesOf(t, rebuildId);
    expect(samples.map((sample) => [sample.at, sample.processed])).toEqual([[Date.now(), 800]]);
  });

  it("samples a real rebuild up to its last batch", async () => {
    const t = createConvexTest();
    const rebuildId = await start(t);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    const status = (await t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId }))!;
    expect(status.state).toBe("completed");
    const samples = await samplesOf(t, rebuildId);
    expect(samples.length).toBeGreaterThan(1);
    expectRising(samples);
    expect(samples.at(-1)!.processed).toBe(status.processed);
  });

  it("deletes a rebuild's samples with deleteRebuildSamples", async () => {
    const t = createConvexTest();
    const rebuildId = await start(t);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    expect((await samplesOf(t, rebuildId)).length).toBeGreaterThan(0);
    await inComponent(t, (ctx) => deleteRebuildSamples(ctx, rebuildId));
    expect(await samplesOf(t, rebuildId)).toEqual([]);
  });
});
