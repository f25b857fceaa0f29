// Keeps a runtime's snapshot in a JSON file: read at start, rewritten after changes and at stop.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runtimeSnapshot, type RuntimeSnapshot } from "./snapshot.ts";

export class SnapshotFileError extends Error {
  override name = "SnapshotFileError";
}

/** The snapshot saved in `path`, or undefined when there is none yet. */
export async function readSnapshotFile(path: string): Promise<RuntimeSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFileError(`${path} is not JSON (${(error as Error).message}); delete it to start empty`);
  }
  const result = runtimeSnapshot.safeParse(parsed);
  if (!result.success) {
    throw new SnapshotFileError(
      `${path} is not a local runtime snapshot: ${result.error.message}; delete it to start empty`,
    );
  }
  return result.data;
}

/** Writes a temporary file and renames it, so a crash mid-write leaves the previous snapshot intact. */
export async function writeSnapshotFile(path: string, snapshot: RuntimeSnapshot): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(snapshot));
  await rename(temporary, path);
}

/** A snapshot holds the database lock while it reads everything: keep that under ~10% of the time. */
const MAX_SAVE_DUTY_CYCLE = 0.1;

/** Saves after changes, at most every `intervalMs`, and once more at stop. */
export class PeriodicSaver {
  private changed = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly save: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly reportError: (error: unknown) => void,
  ) {
    this.scheduleNext(intervalMs);
  }

  markChanged(): void {
    this.changed = true;
  }

  /** Stops the periodic saves and makes the final one. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.saving;
    await this.save();
  }

  private scheduleNext(delayMs: number): void {
    this.timer = setTimeout(() => void this.saveIfChanged(), delayMs);
    this.timer.unref();
  }

  private async saveIfChanged(): Promise<void> {
    if (!this.changed) return this.scheduleNext(this.intervalMs);
    this.changed = false;
    const startedAt = performance.now();
    this.saving = this.save().catch((error: unknown) => {
      this.changed = true;
      this.reportError(error);
    });
    await this.saving;
    const tookMs = performance.now() - startedAt;
    if (!this.stopped) this.scheduleNext(Math.max(this.intervalMs, tookMs / MAX_SAVE_DUTY_CYCLE));
  }
}
