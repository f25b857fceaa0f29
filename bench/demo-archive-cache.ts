// Benchmarks share generated demo archives under bench/.data (git-ignored), made once per size.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LocalObjectStore } from "../src/archive/store/local-store.ts";
import { generateDemoArchive } from "../src/local/demo/generate-demo-archive.ts";

export const BENCH_DATA_DIR = fileURLToPath(new URL("./.data/", import.meta.url));

/** Path of a demo archive with `events` events (seed 1), generating it on first use. */
export async function demoArchiveDir(events: number, log: (line: string) => void = () => {}): Promise<string> {
  const dir = `${BENCH_DATA_DIR}demo-${events}`;
  if (existsSync(dir)) return dir;
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const building = `${dir}.partial`;
  rmSync(building, { recursive: true, force: true });
  const started = performance.now();
  log(`generating a ${events.toLocaleString("en-US")}-event demo archive in ${dir} ...`);
  await generateDemoArchive(new LocalObjectStore(building), { events, seed: 1 });
  renameSync(building, dir);
  log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}
