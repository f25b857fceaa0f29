// Global setup of the projects that test the installed example app (bundle, e2e): starts its
// install in the background; test files wait for it with `installedExample(inject("exampleInstall"))`.
import type { TestProject } from "vitest/node";
import { startExampleInstall } from "./installed-example.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the background install of the example records its outcome. */
    exampleInstall: string;
  }
}

export default function setup(project: TestProject): void {
  project.provide("exampleInstall", startExampleInstall());
}
