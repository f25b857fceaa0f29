// Handler-registry throughput: parse + validate + upcast + fold of in-memory demo events through
// `applyBatch`, in batches of each projection's default size, against an in-memory read model.
// Archive decoding is not part of it. Run with `npx tsx bench/registry.ts [events]`.
import { fileURLToPath } from "node:url";
import { playbackEvents, rebufferByCdn, registry } from "../convex/projections.ts";
import { MemoryReadModelStorage, applyBatch, type AnyProjection, type EventRecord } from "../src/registry/index.ts";
import { SeededRandom } from "../src/archive/writer/index.ts";

const CDNS = ["CDN1", "CDN2", "CDN3", "CDN4"];
const DEVICES = ["Android", "iOS", "Web", "TV", "Console"];
const COUNTRIES = ["FR", "US", "DE", "BR", "JP"];
const EVENTS_PER_SESSION = 40;
/** Cumulative shares of a session's events after its Play. */
const TYPE_MIX: ReadonlyArray<[type: string, cumulativeShare: number]> = [
  ["Pause", 0.25],
  ["Play", 0.5],
  ["Seek", 0.65],
  ["Rebuffer", 0.9],
  ["Error", 0.95],
  ["End", 1],
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function payloadOf(type: string, version: number, random: () => number): string {
  const ms = Math.floor(random() * 5_000);
  switch (type) {
    case "Rebuffer":
      return version === 1 ? JSON.stringify({ durationSec: ms / 1000 }) : JSON.stringify({ durationMs: ms });
    case "Seek":
      return JSON.stringify({ fromMs: ms * 100, toMs: ms * 37 });
    case "Error":
      return JSON.stringify({ code: "E_NETWORK", message: "segment download failed" });
    default:
      return JSON.stringify({ positionMs: ms * 100 });
  }
}

/**
 * Demo events, one batch at a time: like the engine, which decodes a slice of the archive and
 * applies it, the benchmark never holds more than a batch (a heap of millions of events would
 * measure the garbage collector's marking instead of the pipeline).
 */
function* demoBatches(count: number, batchSize: number, onlyType?: string): Generator<EventRecord[]> {
  const seeded = new SeededRandom(42);
  const random = () => seeded.next();
  let atMs = Date.UTC(2025, 0, 1);
  for (let first = 1; first <= count; first += batchSize) {
    const batch: EventRecord[] = [];
    for (let position = first; position < Math.min(first + batchSize, count + 1); position++) {
      const opensSession = position % EVENTS_PER_SESSION === 0;
      const share = random();
      const type =
        onlyType ?? (opensSession ? "Play" : (TYPE_MIX.find(([, cumulative]) => share < cumulative)?.[0] ?? "End"));
      const version =
        type === "Rebuffer" && random() < 0.5 ? 1 : playbackEvents[type as keyof typeof playbackEvents].latestVersion;
      atMs += Math.floor(random() * 2_000);
      batch.push({
        globalPosition: position,
        eventId: `evt-${position}`,
        eventType: type,
        eventVersion: version,
        occurredAtMs: atMs,
        streamId: `session-${Math.floor(position / EVENTS_PER_SESSION)}`,
        attributes: { cdn: pick(random, CDNS), device: pick(random, DEVICES), country: pick(random, COUNTRIES) },
        payload: payloadOf(type, version, random),
      });
    }
    yield batch;
  }
}

interface Rate {
  /** Events per second of wall-clock time. */
  wall: number;
  /** Events per second of the process's CPU time: steadier on a machine shared with other work. */
  cpu: number;
}

/** Throughput of `applyBatch` plus applying its writes; generating the batches is not timed. */
async function measure(projection: AnyProjection, count: number, onlyType?: string): Promise<Rate> {
  const storage = new MemoryReadModelStorage<unknown>();
  let wallMs = 0;
  let cpuMicros = 0;
  for (const batch of demoBatches(count, projection.eventsPerMutation, onlyType)) {
    const startedAt = performance.now();
    const startedCpu = process.cpuUsage();
    const result = await applyBatch(projection, batch, { storage, policy: "fail" });
    if (result.failure !== null) throw new Error(`benchmark events must be valid: ${result.failure.reason}`);
    storage.applyWrites(result.writes);
    const cpu = process.cpuUsage(startedCpu);
    cpuMicros += cpu.user + cpu.system;
    wallMs += performance.now() - startedAt;
  }
  return { wall: count / (wallMs / 1000), cpu: count / (cpuMicros / 1e6) };
}

export interface RegistryMeasurement {
  label: string;
  /** Best of the runs, events per second of wall-clock time and per CPU-second. */
  wall: number;
  cpu: number;
}

async function measureBest(
  label: string,
  count: number,
  projection: AnyProjection,
  onlyType?: string,
): Promise<RegistryMeasurement> {
  await measure(projection, Math.min(count, 200_000), onlyType); // warm-up: JIT, zod's compiled parsers
  const rates: Rate[] = [];
  for (let run = 0; run < 3; run++) rates.push(await measure(projection, count, onlyType));
  return { label, wall: Math.max(...rates.map((rate) => rate.wall)), cpu: Math.max(...rates.map((rate) => rate.cpu)) };
}

/** Each demo projection over mixed playback events, and rebufferByCdn over Rebuffer events only; best of 3. */
export async function runRegistryBenchmark(count: number, log: (line: string) => void): Promise<RegistryMeasurement[]> {
  const cases: Array<[string, AnyProjection, string?]> = [
    ...registry.projections.map((projection): [string, AnyProjection] => [
      `${projection.name} (mixed playback events)`,
      projection,
    ]),
    [`${rebufferByCdn.name} (Rebuffer only, half v1)`, rebufferByCdn, "Rebuffer"],
  ];
  const results: RegistryMeasurement[] = [];
  for (const [label, projection, onlyType] of cases) {
    const result = await measureBest(label, count, projection, onlyType);
    log(
      `${label.padEnd(44)} ${(result.wall / 1e6).toFixed(2)} M events/s wall; ${(result.cpu / 1e6).toFixed(2)} M per CPU-second`,
    );
    results.push(result);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1_000_000);
  console.log(`${count.toLocaleString("en")} events per run, batches of eventsPerMutation, best of 3`);
  await runRegistryBenchmark(count, console.log);
}
