import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FIXTURES_ROOT = fileURLToPath(new URL("../../../shared/fixtures/iceberg/", import.meta.url));

/** Path of a real Iceberg table from `../shared/fixtures/iceberg`. */
export function fixturePath(table: string): string {
  const path = `${FIXTURES_ROOT}${table}`;
  if (!existsSync(path)) {
    throw new Error(`Fixture table ${table} not found at ${path}: clone the project with ../shared beside it.`);
  }
  return path;
}
