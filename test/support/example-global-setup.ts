// Global setup of the projects that test the installed example app (bundle, e2e).
import type { TestProject } from "vitest/node";
import { installExample, type InstalledExample } from "./installed-example.ts";

declare module "vitest" {
  export interface ProvidedContext {
    installedExample: InstalledExample;
  }
}

export default function setup(project: TestProject): void {
  project.provide("installedExample", installExample());
}
