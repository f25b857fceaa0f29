// One rebuild's planning in a process of its own, so peak RSS belongs to it alone: what the `plan`
// action does before it stores the plan (open the table, plan the scan and the high-water mark,
// cut the plan into pages). Prints JSON.
// Usage: plan-scale-worker.ts <table location> <S3 endpoint> <filter JSON | full>
import { ArchiveTable } from "../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS } from "../src/local/s3-server.ts";
import type { ReplayFilter } from "../src/replay/filter.ts";
import { pagePlan, pageWrites } from "../src/replay/plan-pages.ts";
import { planRebuildScan } from "../src/replay/rebuild-scan.ts";
import { envelope } from "../convex/envelope.ts";

const [location, endpoint, filterArg] = process.argv.slice(2);
const filter = filterArg === "full" ? undefined : (JSON.parse(filterArg!) as ReplayFilter);

const started = performance.now();
const table = await ArchiveTable.open(location!, { endpoint, credentials: S3_LOCAL_CREDENTIALS });
const scan = (await planRebuildScan(table, envelope, filter))!;
const paged = pagePlan(scan.plan);
const seconds = (performance.now() - started) / 1000;

const documents = [paged.header, ...paged.pages].map((text) => Buffer.byteLength(text));
process.stdout.write(
  JSON.stringify({
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    total: scan.plan.rowCount,
    highWaterMark: scan.highWaterMark,
    stats: scan.plan.stats,
    slices: scan.plan.slices.length,
    pages: paged.pages.length,
    pageWrites: pageWrites(paged.pages).length,
    bytesStored: documents.reduce((sum, bytes) => sum + bytes, 0),
    largestDocument: Math.max(...documents),
  }),
);
