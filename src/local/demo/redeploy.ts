// The demo's simulated redeploy: a copy of the project's Convex functions in which one projection's
// version is bumped, as if its handlers had changed. The copy imports `../src/...` and packages
// like the original, so its folder gets links to the project's src/ and node_modules/ next to it,
// and a package.json that makes its .ts files ES modules as in the project.
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./demo-layout.ts";

export interface Redeploy {
  convexDir: string;
  projection: string;
  fromVersion: number;
  toVersion: number;
}

const REGISTRY_MODULE = "projections.ts";

export function prepareVersionBump(redeployDir: string, projection: string): Redeploy {
  rmSync(redeployDir, { recursive: true, force: true });
  const convexDir = join(redeployDir, "convex");
  cpSync(join(PROJECT_ROOT, "convex"), convexDir, { recursive: true });
  for (const shared of ["src", "node_modules"]) symlinkSync(join(PROJECT_ROOT, shared), join(redeployDir, shared), "dir");
  writeFileSync(join(redeployDir, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
  const registryFile = join(convexDir, REGISTRY_MODULE);
  const source = readFileSync(registryFile, "utf8");
  // The declaration reads `name: "<projection>",` then `version: N,` (convex/projections.ts).
  const declaration = new RegExp(`(name:\\s*"${projection}",\\s*version:\\s*)(\\d+)`);
  const match = declaration.exec(source);
  if (!match) {
    throw new Error(`cannot bump ${projection}'s version: convex/${REGISTRY_MODULE} has no \`name: "${projection}", version: N\` declaration`);
  }
  const fromVersion = Number(match[2]);
  writeFileSync(registryFile, source.replace(declaration, `$1${fromVersion + 1}`));
  return { convexDir, projection, fromVersion, toVersion: fromVersion + 1 };
}
