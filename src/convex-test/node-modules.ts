// Which modules of a functions folder run in Node: those whose first statement is "use node".
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";

const USE_NODE = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use node["']/;

/** Convex module paths (`reprojectNode`, `nested/module`) of the "use node" files under `directory`. */
export function nodeModulesIn(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .filter((file) => /\.[cm]?[jt]s$/.test(file) && !file.split(sep).includes("_generated"))
    .filter((file) => USE_NODE.test(readFileSync(join(directory, file), "utf8")))
    .map((file) =>
      file
        .split(sep)
        .join("/")
        .replace(/\.[^.]+$/, ""),
    );
}
