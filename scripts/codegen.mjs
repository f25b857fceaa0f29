#!/usr/bin/env node
// Regenerates the `_generated` folders of the app (convex/) and of Reproject's component
// (src/component/) without a deployment. `convex codegen --system-udfs` works offline for the
// functions folder convex.json names, but leaves out the API of installed components, which is
// appended here: Reproject's component in the app, the replay Workpool in the component.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function codegen(cwd) {
  execFileSync("npx", ["convex", "codegen", "--system-udfs", "--typecheck", "disable"], { cwd, stdio: "inherit" });
}

/** The component's folder as the functions folder of a throwaway project, so codegen writes its `_generated`. */
function componentCodegen(componentDir) {
  const project = mkdtempSync(join(tmpdir(), "reproject-codegen-"));
  try {
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", dependencies: { convex: "*" } }));
    writeFileSync(join(project, "convex.json"), JSON.stringify({ functions: relative(project, componentDir) }));
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
    codegen(project);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

function appendComponents(generatedDir, components) {
  const marker = "export declare const components";
  if (readFileSync(join(generatedDir, "api.d.ts"), "utf8").includes(marker)) return;
  const entries = Object.entries(components).map(([name, type]) => `  ${name}: ${type}<"${name}">;`);
  appendFileSync(join(generatedDir, "api.d.ts"), `\n${marker}: {\n${entries.join("\n")}\n};\n`);
  appendFileSync(
    join(generatedDir, "api.js"),
    `\nimport { componentsGeneric } from "convex/server";\nexport const components = componentsGeneric();\n`,
  );
}

/** What an installed component's package exports as `<package>/_generated/component.js`; an app's codegen refers to it. */
function writeComponentApiEntry(generatedDir) {
  writeFileSync(
    join(generatedDir, "component.d.ts"),
    `// The component's API as an app that installs it sees it (\`components.reproject\`).\nexport type { ComponentApi } from "../componentApi.js";\n`,
  );
}

const workpoolApi = `import("@convex-dev/workpool/_generated/component.js").ComponentApi`;
componentCodegen(join(root, "src", "component"));
appendComponents(join(root, "src", "component", "_generated"), { replayPool: workpoolApi });
writeComponentApiEntry(join(root, "src", "component", "_generated"));
codegen(root);
// What `npx convex dev` writes for `app.use(reproject)` with reproject installed from npm.
appendComponents(join(root, "convex", "_generated"), {
  reproject: `import("reproject/_generated/component.js").ComponentApi`,
});
