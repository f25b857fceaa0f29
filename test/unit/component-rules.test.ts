// Convex's rules for a component's own code, which convex-test does not enforce: a component sees
// no auth and no environment variables, cannot paginate, and runs in the Convex runtime only.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const COMPONENT_DIR = fileURLToPath(new URL("../../src/component/", import.meta.url));

const RULES: [pattern: RegExp, rule: string][] = [
  [/\bctx\.auth\b/, "a component has no ctx.auth: the app authorizes and passes the actor"],
  [/\bprocess\.env\b/, "a component reads no environment variables: the app passes what it needs"],
  [/\.paginate\(/, "a component cannot paginate: take bounded pages by index range"],
  [/^\s*["']use node["']/m, "a component's functions run in the Convex runtime"],
];

function componentSources(): string[] {
  return readdirSync(COMPONENT_DIR, { recursive: true, encoding: "utf8" }).filter(
    (file) => /\.ts$/.test(file) && !file.startsWith("_generated") && !file.endsWith(".setup.ts"),
  );
}

describe("Reproject's component", () => {
  it("follows Convex's component rules in every module", () => {
    const sources = componentSources();
    expect(sources).toContain("lifecycle.ts");
    const broken = sources.flatMap((file) => {
      const text = readFileSync(join(COMPONENT_DIR, file), "utf8");
      return RULES.filter(([pattern]) => pattern.test(text)).map(([, rule]) => `${file}: ${rule}`);
    });
    expect(broken).toEqual([]);
  });

  it("catches a module that breaks one", () => {
    const text = `export const f = query({ handler: async (ctx) => (await ctx.auth.getUserIdentity()) ?? process.env.X });`;
    expect(RULES.filter(([pattern]) => pattern.test(text)).map(([, rule]) => rule)).toHaveLength(2);
  });
});
