// `reproject archive import`, run as a user runs it: an app's own envelope module and a JSON Lines
// file of its events, into a new table and then onto it, locally and on the loopback S3 server.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { batchRows } from "../../src/archive/scan.ts";
import { rowToJson } from "../../src/archive/row-json.ts";
import { s3OptionsFromEnv } from "../../src/archive/store/s3-store.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { ARCHIVE_COMMIT_EVENTS } from "../../src/node/archiver.ts";
import { runCli } from "../support/cli.ts";
import { createTestBucket, s3Endpoint, testS3Client } from "../support/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "reproject-import-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const REGISTRY = fileURLToPath(new URL("../../src/registry/index.ts", import.meta.url));
const envelopeModule = join(scratch, "envelope.ts");
writeFileSync(
  envelopeModule,
  `import { defineEnvelope } from ${JSON.stringify(REGISTRY)};\n` +
    `export const orders = defineEnvelope({ columns: { position: "seq", stream: "order_id" }, attributes: { region: "string", channel: "string", priority: "number" } });\n`,
);
const ENVELOPE = `${envelopeModule}#orders`;

const REGIONS = ["eu", "us", "apac"];

function orderEvent(index: number): Record<string, unknown> {
  return {
    eventId: `evt-${index}`,
    eventType: index % 3 === 0 ? "OrderPlaced" : "ItemAdded",
    eventVersion: 1,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + index * 1_000).toISOString(),
    streamId: `order-${Math.floor(index / 3)}`,
    attributes: { region: REGIONS[index % 3], channel: index % 2 ? "web" : "store", priority: index % 5 },
    payload: index % 3 === 0 ? { customer: `c${index}` } : { sku: `sku-${index % 7}`, quantity: 1 + (index % 4) },
  };
}

function writeEvents(
  name: string,
  from: number,
  count: number,
  lines: (index: number) => string = (i) => JSON.stringify(orderEvent(i)),
): string {
  const file = join(scratch, name);
  const text: string[] = [];
  for (let index = from; index < from + count; index++) text.push(lines(index));
  writeFileSync(file, `${text.join("\n")}\n`);
  return file;
}

async function archivedRows(location: string, env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>[]> {
  const table = await ArchiveTable.open(location, env && s3OptionsFromEnv(env));
  const plan = await table.plan({ orderBy: "seq" });
  const rows: Record<string, unknown>[] = [];
  for await (const batch of table.scan(plan!))
    for (const row of batchRows(batch, plan!.fields))
      rows.push(rowToJson(plan!.fields, row) as Record<string, unknown>);
  return rows;
}

describe("reproject archive import", () => {
  const local = join(scratch, "orders");

  it("creates the table from the app's envelope and commits the events in snapshots, with contiguous positions", async () => {
    const count = ARCHIVE_COMMIT_EVENTS + 1_500;
    const result = await runCli([
      "archive",
      "import",
      local,
      "--envelope",
      ENVELOPE,
      "--from",
      writeEvents("first.jsonl", 0, count),
    ]);
    expect(result.stderr).not.toMatch(/reproject archive:/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      imported: count,
      firstPosition: 1,
      lastPosition: count,
      snapshots: 2,
    });

    const rows = await archivedRows(local);
    expect(rows).toHaveLength(count);
    expect(rows.every((row, index) => row.seq === index + 1)).toBe(true);
    expect(rows[4]).toEqual({
      seq: 5,
      event_id: "evt-4",
      event_type: "ItemAdded",
      event_version: 1,
      occurred_at: "2026-01-01T00:00:04Z",
      order_id: "order-1",
      payload: JSON.stringify({ sku: "sku-4", quantity: 1 }),
      region: "us",
      channel: "store",
      priority: 4,
    });
  });

  it("appends a second file after the archive's last position", async () => {
    const result = await runCli([
      "archive",
      "import",
      local,
      "--envelope",
      ENVELOPE,
      "--from",
      writeEvents("second.jsonl", 200_000, 10),
    ]);
    expect(result.code).toBe(0);
    const first = ARCHIVE_COMMIT_EVENTS + 1_500;
    expect(JSON.parse(result.stdout)).toMatchObject({
      imported: 10,
      firstPosition: first + 1,
      lastPosition: first + 10,
      snapshots: 1,
    });
    const tail = (await archivedRows(local)).slice(-10);
    expect(tail.map((row) => [row.seq, row.event_id])).toEqual(
      Array.from({ length: 10 }, (_, i) => [first + 1 + i, `evt-${200_000 + i}`]),
    );
  });

  it("prints the imported table's rows in its sort order, the envelope's position column", async () => {
    const rows = await runCli(["archive", "rows", local, "--columns", "seq,event_id", "--limit", "3"]);
    expect(rows.code).toBe(0);
    expect(
      rows.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { seq: 1, event_id: "evt-0" },
      { seq: 2, event_id: "evt-1" },
      { seq: 3, event_id: "evt-2" },
    ]);
  });

  it("refuses a file with a malformed line before writing anything, naming the file, line and field", async () => {
    const before = (await ArchiveTable.open(local)).metadata.snapshots.length;
    const file = writeEvents("bad.jsonl", 0, 9, (i) =>
      JSON.stringify(i === 6 ? { ...orderEvent(i), attributes: { region: 7 } } : orderEvent(i)),
    );
    const result = await runCli(["archive", "import", local, "--envelope", ENVELOPE, "--from", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:7: attribute "region" is 7 (number), but the envelope declares it a string`,
    );
    const noVersion = writeEvents("no-version.jsonl", 0, 3, (i) =>
      JSON.stringify({ ...orderEvent(i), eventVersion: i === 2 ? "1" : 1 }),
    );
    const refused = await runCli(["archive", "import", local, "--envelope", ENVELOPE, "--from", noVersion]);
    expect(refused.stderr).toContain(`${noVersion}:3: eventVersion must be a whole number >= 1, got "1"`);
    expect((await ArchiveTable.open(local)).metadata.snapshots.length).toBe(before);
  });

  it("says what the envelope module exports when the named export is not an envelope", async () => {
    const result = await runCli([
      "archive",
      "import",
      local,
      "--envelope",
      `${envelopeModule}#envelope`,
      "--from",
      join(scratch, "second.jsonl"),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the module has no export "envelope" made by defineEnvelope \(it exports orders\)/);
  });

  it("refuses to append to a table whose columns cannot carry the envelope", async () => {
    const other = join(scratch, "other-envelope.ts");
    writeFileSync(
      other,
      `import { defineEnvelope } from ${JSON.stringify(REGISTRY)};\nexport const envelope = defineEnvelope({ attributes: {} });\n`,
    );
    const plain = writeEvents("plain.jsonl", 0, 2, (i) => JSON.stringify({ ...orderEvent(i), attributes: {} }));
    const result = await runCli(["archive", "import", local, "--envelope", other, "--from", plain]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /does not carry the app's event envelope: it has no column "global_position" for the event's position/,
    );
  });

  it("imports into a table on S3", async () => {
    const bucket = await createTestBucket(testS3Client(), "import");
    const env = {
      S3_ENDPOINT: s3Endpoint(),
      AWS_REGION: S3_LOCAL_REGION,
      AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    };
    const location = `s3://${bucket}/warehouse/orders`;
    const result = await runCli(
      ["archive", "import", location, "--envelope", ENVELOPE, "--from", join(scratch, "second.jsonl")],
      env,
    );
    expect(result.code).toBe(0);
    expect((await archivedRows(location, env)).map((row) => row.event_id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `evt-${200_000 + i}`),
    );
  });
});
