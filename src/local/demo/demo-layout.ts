// Where the demo keeps its data: one folder (the project's git-ignored .reproject/demo by default)
// holding the S3 server's objects, the local runtime's saved state and the redeployed functions.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEFAULT_DEMO_DIR = join(PROJECT_ROOT, ".reproject", "demo");

export interface DemoLayout {
  root: string;
  /** s3rver's data directory: buckets and objects survive between runs. */
  s3Dir: string;
  /** The local runtime's snapshot file (its restart resumes from it). */
  runtimeState: string;
  /** The copy of the Convex functions the simulated redeploy runs. */
  redeployDir: string;
}

export function demoLayout(root: string = DEFAULT_DEMO_DIR): DemoLayout {
  return {
    root,
    s3Dir: join(root, "s3"),
    runtimeState: join(root, "runtime-state.json"),
    redeployDir: join(root, "redeploy"),
  };
}
