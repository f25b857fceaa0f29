import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";

describe("the replay pool self check", () => {
  let archive = "";
  beforeAll(async () => {
    archive = await localDemoArchive(200, 3);
  });
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    delete process.env.REPROJECT_ARCHIVE;
  });

  async function runSelfCheck() {
    const t = createConvexTest();
    const checkId = await t.mutation(internal.reproject.startSelfCheck, {});
    expect(await t.query(internal.reproject.latestSelfCheck, {})).toMatchObject({ _id: checkId, outcome: "pending" });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    const finished = await t.query(internal.reproject.latestSelfCheck, {});
    expect(finished!.finishedAt).toBeGreaterThanOrEqual(finished!.startedAt);
    return finished!;
  }

  it("runs a Node action on the replay pool that loads the decoders and reads the archive's metadata, and stores its report", async () => {
    process.env.REPROJECT_ARCHIVE = archive;
    const finished = await runSelfCheck();

    expect(finished.outcome).toBe("success");
    expect(finished.report).toMatchObject({ ok: true, archive, runtime: expect.stringContaining(process.version) });
    expect(finished.report!.steps.map((step) => [step.name, step.ok])).toEqual([
      ["parquet-decoder", true],
      ["zstd-decompressor", true],
      ["parquet-writer", true],
      ["archive-metadata", true],
    ]);
    expect(finished.report!.steps.at(-1)!.detail).toMatch(
      new RegExp(
        `^read ${archive}/metadata/v\\d+\\.metadata\\.json \\(Iceberg v2, 10 columns, current snapshot \\d+ of \\d+\\)$`,
      ),
    );
  });

  it("stores which step failed, on which location, and what to check when the archive is not there", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "reproject-no-archive-")), "events");
    process.env.REPROJECT_ARCHIVE = missing;
    const finished = await runSelfCheck();

    expect(finished.outcome).toBe("success");
    expect(finished.report!.ok).toBe(false);
    expect(finished.report!.summary).toContain(`archive-metadata failed (local directory ${missing})`);
    const failed = finished.report!.steps.filter((step) => !step.ok);
    expect(failed).toEqual([
      expect.objectContaining({
        name: "archive-metadata",
        error: expect.stringContaining(`${missing}/metadata/: no Iceberg table here`),
        check: expect.stringContaining("REPROJECT_ARCHIVE names the table's root"),
      }),
    ]);
  });
});
