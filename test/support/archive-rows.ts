// Every row of a table snapshot as JSON text (the CLI's encoding), in global_position order when
// the table has that column: what "the same rows in the same order" is checked against.
import { stringifyJsonLossless } from "../../src/archive/json.ts";
import { rowToJson } from "../../src/archive/row-json.ts";
import { batchRows } from "../../src/archive/scan.ts";
import { fieldByName } from "../../src/archive/schema.ts";
import { ArchiveTable } from "../../src/archive/table.ts";

export interface TableRows {
  rows: string[];
  /** Data files the scan read. */
  dataFiles: number;
}

export async function tableRows(location: string, snapshotId?: bigint): Promise<TableRows> {
  const table = await ArchiveTable.open(location);
  const orderBy = fieldByName(table.schema, "global_position") ? "global_position" : undefined;
  const plan = await table.plan({ snapshotId, orderBy });
  if (!plan) return { rows: [], dataFiles: 0 };
  const rows: string[] = [];
  for await (const batch of table.scan(plan)) {
    for (const row of batchRows(batch, plan.fields)) rows.push(stringifyJsonLossless(rowToJson(plan.fields, row)));
  }
  return { rows, dataFiles: plan.slices.length };
}
