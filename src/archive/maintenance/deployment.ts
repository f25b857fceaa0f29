// Whether a table is the event archive of a Convex deployment, whose rebuilds pin snapshots that
// only the deployment knows. Expiry from the CLI must not run blind against such a table.
import { resolve } from "node:path";
import type { TableMetadata } from "../metadata.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { tableRootOf } from "./maintained-table.ts";

/** Table property set by the deployment's own maintenance runs: which deployment the archive serves. */
export const DEPLOYMENT_PROPERTY = "reproject.convex-deployment";

/**
 * Why the table looks like a deployment's archive, or undefined: the property above, or
 * REPROJECT_ARCHIVE in this environment naming the same table.
 */
export function deploymentArchiveReason(store: ObjectStore, metadata: TableMetadata, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const deployment = metadata.properties[DEPLOYMENT_PROPERTY];
  if (deployment) return `its property ${DEPLOYMENT_PROPERTY} says it is the archive of ${deployment}`;
  const configured = env.REPROJECT_ARCHIVE;
  if (configured && sameTableRoot(configured, store.root)) return `REPROJECT_ARCHIVE names it (${configured})`;
  return undefined;
}

function sameTableRoot(location: string, root: string): boolean {
  let configured: string;
  try {
    configured = tableRootOf(location);
  } catch {
    return false; // a REST catalog table is never a store root
  }
  const canonical = (value: string) =>
    /^s3[an]?:\/\//.test(value) ? value.replace(/^s3[an]?:\/\//, "s3://").replace(/\/+$/, "") : resolve(value.replace(/^file:\/\//, ""));
  return canonical(configured) === canonical(root);
}
