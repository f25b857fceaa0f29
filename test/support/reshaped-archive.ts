// Demo archives whose events are reshaped on their way to the writer (a rare event type, big
// payloads): one append, streamed from the generator, so millions of events cost no more memory
// than the writer's row groups.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import {
  commitAppend,
  createEventArchive,
  randomWriterIds,
  writeEventDataFiles,
} from "../../src/archive/writer/index.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { envelope } from "../../convex/envelope.ts";

export async function reshapedDemoArchive(
  events: number,
  seed: number,
  reshape: (event: EventRecord) => EventRecord,
): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), "reproject-reshaped-")), "events");
  const store = new LocalObjectStore(dir);
  const table = await createEventArchive(store, envelope);
  const append = await writeEventDataFiles(store, table, envelope, reshaped(demoEvents({ events, seed }), reshape));
  await commitAppend(store, table, append, randomWriterIds);
  return dir;
}

function* reshaped(
  events: Iterable<EventRecord>,
  reshape: (event: EventRecord) => EventRecord,
): Generator<EventRecord> {
  for (const event of events) yield reshape(event);
}

/** Every `every`-th event (by position) becomes an event of `type` with an empty payload. */
export function rareType(type: string, every: number) {
  return (event: EventRecord): EventRecord =>
    event.globalPosition % every === 0 ? { ...event, eventType: type, eventVersion: 1, payload: "{}" } : event;
}
