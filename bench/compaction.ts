// Scan speed of a fragmented archive (the archiver's many small appends) before and after
// compaction, and what compaction costs. Each measurement runs in a process of its own, so its
// peak RSS is its own. With --s3 the same tables are also read from a loopback S3 server, where
// every footer is a request. Run: npx tsx bench/compaction.ts [--events 1000000] [--appends 1000] [--s3]
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { localS3Client, S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION, startLocalS3Server } from "../src/local/s3-server.ts";
import { mapConcurrently } from "../src/archive/concurrency.ts";
import { compactTable } from "../src/archive/maintenance/index.ts";
import { LocalObjectStore } from "../src/archive/store/local-store.ts";
import { ArchiveTable } from "../src/archive/table.ts";
import { writeFragmentedArchive } from "../test/support/fragmented-archive.ts";
import { BENCH_DATA_DIR } from "./demo-archive-cache.ts";
import { REBUILD_COLUMNS } from "./scan.ts";

interface ScanMeasurement {
  rows: number;
  dataFiles: number;
  planSeconds: number;
  scanSeconds: number;
  maxRssMb: number;
}

interface CompactionMeasurement {
  seconds: number;
  filesRead: number;
  filesWritten: number;
  bytesBefore: number;
  bytesAfter: number;
  maxRssMb: number;
}

const SELF = fileURLToPath(import.meta.url);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function inChild<T>(args: string[], env: NodeJS.ProcessEnv = {}): T {
  const output = execFileSync(process.execPath, ["--import", "tsx", SELF, "--phase", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
  });
  return JSON.parse(output.trim().split("\n").at(-1)!) as T;
}

/** Copies a table directory into a bucket prefix. */
async function upload(client: S3Client, directory: string, bucket: string, prefix: string): Promise<void> {
  const files = readdirSync(directory, { recursive: true, encoding: "utf8" }).filter((entry) =>
    statSync(join(directory, entry)).isFile(),
  );
  await mapConcurrently(files, (file) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/${file.split("\\").join("/")}`,
        Body: readFileSync(join(directory, file)),
      }),
    ),
  );
}

/** Open, plan (one footer per data file) and scan in position order: what a rebuild pays. */
async function measureScan(dir: string, columns: string): Promise<ScanMeasurement> {
  const started = performance.now();
  const table = await ArchiveTable.open(dir);
  const plan = (await table.plan({
    columns: columns === "*" ? undefined : columns.split(","),
    orderBy: "global_position",
  }))!;
  const planned = performance.now();
  let rows = 0;
  for await (const batch of table.scan(plan)) rows += batch.rowCount;
  const done = performance.now();
  return {
    rows,
    dataFiles: plan.slices.length,
    planSeconds: (planned - started) / 1000,
    scanSeconds: (done - planned) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function measureCompaction(dir: string): Promise<CompactionMeasurement> {
  const started = performance.now();
  const result = await compactTable(new LocalObjectStore(dir));
  return {
    seconds: (performance.now() - started) / 1000,
    filesRead: result.filesRead,
    filesWritten: result.filesWritten,
    bytesBefore: result.bytesBefore,
    bytesAfter: result.bytesAfter,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function fragmentedArchiveDir(events: number, appends: number, log: (line: string) => void): Promise<string> {
  const dir = `${BENCH_DATA_DIR}fragmented-${events}-${appends}`;
  if (existsSync(dir)) return dir;
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const building = `${dir}.partial`;
  rmSync(building, { recursive: true, force: true });
  const started = performance.now();
  log(`writing ${events.toLocaleString("en-US")} events in ${appends} appends to ${dir} ...`);
  await writeFragmentedArchive(new LocalObjectStore(building), { events, appends, seed: 1 });
  renameSync(building, dir);
  log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

function best(runs: ScanMeasurement[]): ScanMeasurement {
  return runs.reduce((a, b) => (a.planSeconds + a.scanSeconds <= b.planSeconds + b.scanSeconds ? a : b));
}

function line(label: string, m: ScanMeasurement): string {
  const total = m.planSeconds + m.scanSeconds;
  return (
    `${label.padEnd(28)} ${String(m.dataFiles).padStart(5)} files  plan ${m.planSeconds.toFixed(2)} s  scan ${m.scanSeconds.toFixed(2)} s` +
    `  ${(m.rows / total / 1e6).toFixed(2)} M rows/s (plan+scan)  peak RSS ${m.maxRssMb.toFixed(0)} MB`
  );
}

if (process.argv[2] === "--phase") {
  const [phase, dir, columns] = process.argv.slice(3);
  const result = phase === "scan" ? await measureScan(dir!, columns!) : await measureCompaction(dir!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (process.argv[1] === SELF) {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "1000000" },
      appends: { type: "string", default: "1000" },
      runs: { type: "string", default: "3" },
      s3: { type: "boolean", default: false },
    },
  });
  const events = Number(values.events);
  const appends = Number(values.appends);
  const runs = Number(values.runs);
  const source = await fragmentedArchiveDir(events, appends, console.log);
  const work = `${source}.compacted`;
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true });

  const scans = (location: string, columns: string, env?: NodeJS.ProcessEnv) =>
    best(Array.from({ length: runs }, () => inChild<ScanMeasurement>(["scan", location, columns], env)));
  const check = (measured: ScanMeasurement) => {
    if (measured.rows !== events) throw new Error(`a scan returned ${measured.rows} rows, expected ${events}`);
    return measured;
  };
  const before = { all: check(scans(source, "*")), rebuild: check(scans(source, REBUILD_COLUMNS.join(","))) };
  const compaction = inChild<CompactionMeasurement>(["compact", work]);
  const after = { all: check(scans(work, "*")), rebuild: check(scans(work, REBUILD_COLUMNS.join(","))) };
  console.log(`${events.toLocaleString("en-US")} events in ${appends} appends (best of ${runs}), local file system`);
  console.log(line("before, all columns", before.all));
  console.log(line("before, rebuild columns", before.rebuild));
  console.log(
    `compaction                   ${compaction.filesRead} -> ${compaction.filesWritten} files, ` +
      `${(compaction.bytesBefore / 1e6).toFixed(1)} -> ${(compaction.bytesAfter / 1e6).toFixed(1)} MB, ${compaction.seconds.toFixed(1)} s, ` +
      `${(events / compaction.seconds / 1e3).toFixed(0)} k rows/s, peak RSS ${compaction.maxRssMb.toFixed(0)} MB`,
  );
  console.log(line("after, all columns", after.all));
  console.log(line("after, rebuild columns", after.rebuild));
  const speedup = (b: ScanMeasurement, a: ScanMeasurement) =>
    ((b.planSeconds + b.scanSeconds) / (a.planSeconds + a.scanSeconds)).toFixed(2);
  console.log(
    `speed-up (plan+scan): all columns ${speedup(before.all, after.all)}x, rebuild columns ${speedup(before.rebuild, after.rebuild)}x`,
  );

  if (values.s3) {
    const serverDir = mkdtempSync(join(tmpdir(), "reproject-bench-s3-"));
    const server = await startLocalS3Server({ directory: serverDir });
    try {
      const client = localS3Client(server.endpoint);
      await client.send(new CreateBucketCommand({ Bucket: "bench" }));
      await upload(client, source, "bench", "before");
      await upload(client, work, "bench", "after");
      const env = {
        S3_ENDPOINT: server.endpoint,
        AWS_REGION: S3_LOCAL_REGION,
        AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
      };
      const s3Before = check(scans("s3://bench/before", REBUILD_COLUMNS.join(","), env));
      const s3After = check(scans("s3://bench/after", REBUILD_COLUMNS.join(","), env));
      console.log("loopback S3 (s3rver)");
      console.log(line("before, rebuild columns", s3Before));
      console.log(line("after, rebuild columns", s3After));
      console.log(`speed-up (plan+scan) on S3: rebuild columns ${speedup(s3Before, s3After)}x`);
    } finally {
      await server.stop();
      rmSync(serverDir, { recursive: true, force: true });
    }
  }
}
