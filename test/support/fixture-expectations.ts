// Reads a fixture table through Reproject's archive reader and turns it into expected.json's encoding.
import { readdirSync, readFileSync } from "node:fs";
import { ArchiveTable, type SnapshotSelector } from "../../src/archive/table.ts";
import { batchRows } from "../../src/archive/scan.ts";
import { rowToJson } from "../../src/archive/row-json.ts";
import { fixturePath } from "./fixtures.ts";

export interface SnapshotExpectation {
  snapshotId: string;
  metadataFile?: string;
  rowCount: number;
  columns?: string[];
  sampleRows?: Record<string, unknown>[];
  sampleRowsComplete?: boolean;
}

export interface FixtureExpectation extends Omit<SnapshotExpectation, "snapshotId"> {
  columns: string[];
  sampleRows: Record<string, unknown>[];
  sampleRowsOrdered?: boolean;
  currentMetadataFile: string;
  snapshots?: SnapshotExpectation[];
}

export const FIXTURE_TABLES = readdirSync(fixturePath("")).filter((name) => !name.startsWith(".")).sort();

export function fixtureExpectation(table: string): FixtureExpectation {
  return JSON.parse(readFileSync(`${fixturePath(table)}/expected.json`, "utf8")) as FixtureExpectation;
}

export async function readAllRows(
  table: ArchiveTable,
  selector: SnapshotSelector = {},
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const plan = await table.plan(selector);
  if (!plan) return { columns: table.schema.fields.map((field) => field.name), rows: [] };
  const rows: Record<string, unknown>[] = [];
  for await (const batch of table.scan(plan)) {
    for (const row of batchRows(batch, plan.fields)) rows.push(rowToJson(plan.fields, row));
  }
  return { columns: plan.fields.map((field) => field.name), rows };
}
