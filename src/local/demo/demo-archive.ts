// The demo's event archive on its S3 server: generated once per (events, seed) and reused by later
// runs; a table left incomplete by an interrupted run is cleared and written again.
import { ArchiveTable } from "../../archive/table.ts";
import { openObjectStore } from "../../archive/store/open-store.ts";
import type { ObjectStore } from "../../archive/store/object-store.ts";
import { generateDemoArchive } from "./generate-demo-archive.ts";
import { startProgressBar } from "../../cli/progress-bar.ts";
import { DEMO_BUCKET } from "./demo-s3.ts";

export interface DemoArchiveSpec {
  events: number;
  seed: number;
}

export interface PreparedArchive {
  location: string;
  /** False when an earlier run's archive was reused. */
  generated: boolean;
  seconds: number;
}

export function demoArchiveLocation({ events, seed }: DemoArchiveSpec): string {
  return `s3://${DEMO_BUCKET}/events-${events}-seed-${seed}`;
}

export async function prepareDemoArchive(spec: DemoArchiveSpec): Promise<PreparedArchive> {
  const started = performance.now();
  const location = demoArchiveLocation(spec);
  const store = openObjectStore(location);
  if ((await rowsOfExistingTable(store, location)) === spec.events) {
    return { location, generated: false, seconds: (performance.now() - started) / 1000 };
  }
  for (const key of await store.list("")) await store.delete(key);
  const bar = startProgressBar("archive", spec.events);
  await generateDemoArchive(store, { ...spec, onProgress: (progress) => bar.update(progress.eventsWritten) });
  bar.stop();
  return { location, generated: true, seconds: (performance.now() - started) / 1000 };
}

/** Rows of the table's current snapshot, or null when there is no table yet. */
async function rowsOfExistingTable(store: ObjectStore, location: string): Promise<number | null> {
  if ((await store.list("metadata/")).length === 0) return null;
  const plan = await (await ArchiveTable.open(location)).plan({ columns: [] });
  return plan?.rowCount ?? 0;
}
