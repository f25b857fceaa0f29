// Where a rebuild's time goes, from V8's sampling profiler in the process that runs it: each sample
// is charged to the innermost frame on its stack that belongs to a known part of the pipeline
// (a JSON.parse called by the registry counts as handlers, one called by convex-test as Convex).
import { Session } from "node:inspector/promises";

export const TIME_SHARES = ["decode", "handlers", "convex", "scheduling", "gc", "other"] as const;
export type TimeShare = (typeof TIME_SHARES)[number];
export type TimeShares = Record<TimeShare, number>;

/** Checked in order against a frame's script URL; the first match names the part. */
const PARTS: ReadonlyArray<[TimeShare, RegExp]> = [
  [
    "decode",
    /\/src\/archive\/|\/src\/replay\/archive-events\.ts|\/node_modules\/(hyparquet|hyparquet-compressors|zstddec|@aws-sdk|@smithy)\//,
  ],
  ["handlers", /\/src\/registry\/|\/convex\/projections\.ts|\/node_modules\/zod\//],
  ["scheduling", /\/node_modules\/@convex-dev\/(workpool|batch-worker)\//],
  [
    "convex",
    /\/node_modules\/(convex|convex-test)\/|\/convex\/|\/src\/local\/runtime\/|\/src\/replay\/|\/src\/progress\//,
  ],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfiler {
  /** Milliseconds by part since the profiler started. */
  stop(): Promise<TimeShares>;
}

export async function startCpuProfiler(intervalMicros = 1000): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalMicros });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = (await session.post("Profiler.stop")) as { profile: Profile };
      session.disconnect();
      return attribute(profile);
    },
  };
}

function attribute(profile: Profile): TimeShares {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const partOf = new Map<number, TimeShare>();
  const classify = (id: number): TimeShare => {
    const cached = partOf.get(id);
    if (cached) return cached;
    const { functionName, url } = byId.get(id)!.callFrame;
    let part: TimeShare | undefined;
    // Idle: nothing to run until a timer fires (the Workpool's polling, scheduled functions) or I/O completes.
    if (functionName === "(idle)") part = "scheduling";
    else if (functionName === "(garbage collector)") part = "gc";
    else part = PARTS.find(([, pattern]) => pattern.test(url))?.[0];
    const up = parent.get(id);
    const result = part ?? (up === undefined ? "other" : classify(up));
    partOf.set(id, result);
    return result;
  };
  const shares = Object.fromEntries(TIME_SHARES.map((share) => [share, 0])) as TimeShares;
  profile.samples.forEach((id, index) => (shares[classify(id)] += (profile.timeDeltas[index] ?? 0) / 1000));
  return shares;
}
