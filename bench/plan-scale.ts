// Planning a rebuild of a billion-event archive: 20,000 data files by their metadata (see
// synthetic-archive.ts) on loopback S3 behind a proxy that adds 20 ms to every request, as a real
// object store would. A full plan and a filtered one (one day's morning, one event type), each in a
// process of its own: seconds, peak RSS, requests issued, bytes of plan to store, largest document.
// Standalone: `node --import tsx bench/plan-scale.ts [--quick]`; `npm run bench` runs it too.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openObjectStore } from "../src/archive/store/open-store.ts";
import { localS3Client, S3_LOCAL_CREDENTIALS, startLocalS3Server } from "../src/local/s3-server.ts";
import type { ReplayFilter } from "../src/replay/filter.ts";
import { startFaultyS3Proxy } from "../test/support/faulty-s3-proxy.ts";
import { writeSyntheticArchive, type SyntheticArchive, type SyntheticArchiveOptions } from "./synthetic-archive.ts";

export interface PlanScaleSizes extends SyntheticArchiveOptions {
  latencyMs: number;
}

export const PLAN_SCALE_FULL: PlanScaleSizes = {
  files: 20_000,
  eventsPerFile: 50_000,
  filesPerDay: 50,
  filesPerManifest: 500,
  realDay: 123,
  latencyMs: 20,
};

export const PLAN_SCALE_QUICK: PlanScaleSizes = {
  files: 2_000,
  eventsPerFile: 2_000,
  filesPerDay: 20,
  filesPerManifest: 200,
  realDay: 37,
  latencyMs: 20,
};

export interface PlanMeasurement {
  name: string;
  seconds: number;
  maxRssMb: number;
  requests: number;
  total: number;
  dataFiles: number;
  dataFilesSkipped: number;
  slices: number;
  pages: number;
  pageWrites: number;
  bytesStored: number;
  largestDocument: number;
}

export interface PlanScaleResults {
  sizes: PlanScaleSizes;
  archive: SyntheticArchive;
  filter: ReplayFilter;
  plans: PlanMeasurement[];
}

const WORKER = fileURLToPath(new URL("./plan-scale-worker.ts", import.meta.url));

export async function runPlanScaleBenchmark(
  sizes: PlanScaleSizes,
  log: (line: string) => void,
): Promise<PlanScaleResults> {
  const directory = mkdtempSync(join(tmpdir(), "reproject-plan-scale-"));
  const server = await startLocalS3Server({ directory });
  const proxy = await startFaultyS3Proxy({ target: server.endpoint, latencyMs: sizes.latencyMs });
  try {
    const client = localS3Client(server.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: "plan-scale" }));
    const location = "s3://plan-scale/events";
    // Written past the proxy: the archive's making is not what is measured.
    const store = openObjectStore(location, { endpoint: server.endpoint, credentials: S3_LOCAL_CREDENTIALS });
    const archive = await writeSyntheticArchive(store, sizes, log);
    // Six hours of the real day, one event type: partitions, manifest summaries and file bounds
    // leave a few files, whose footers are read for their row-group statistics.
    const filter: ReplayFilter = {
      fromMs: archive.realDayStartMs + 6 * 3_600_000,
      toMs: archive.realDayStartMs + 12 * 3_600_000,
      eventTypes: ["Rebuffer"],
    };
    const plans: PlanMeasurement[] = [];
    for (const [name, filterArg] of [
      ["full", "full"],
      ["filtered", JSON.stringify(filter)],
    ] as const) {
      const requestsBefore = proxy.requests;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", WORKER, location, proxy.endpoint, filterArg],
        { maxBuffer: 16 * 2 ** 20 },
      );
      const measured = JSON.parse(stdout);
      plans.push({
        name,
        seconds: measured.seconds,
        maxRssMb: measured.maxRssMb,
        requests: proxy.requests - requestsBefore,
        total: measured.total,
        dataFiles: measured.stats.dataFiles,
        dataFilesSkipped: measured.stats.dataFilesSkipped,
        slices: measured.slices,
        pages: measured.pages,
        pageWrites: measured.pageWrites,
        bytesStored: measured.bytesStored,
        largestDocument: measured.largestDocument,
      });
      log(
        `   ${name}: ${measured.total.toLocaleString("en-US")} events in ${measured.slices} slices planned in ` +
          `${measured.seconds.toFixed(2)} s, ${measured.maxRssMb.toFixed(0)} MB, ${proxy.requests - requestsBefore} requests`,
      );
    }
    return { sizes, archive, filter, plans };
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv.includes("--quick") ? PLAN_SCALE_QUICK : PLAN_SCALE_FULL;
  const results = await runPlanScaleBenchmark(sizes, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(results.plans, null, 2)}\n`);
}
