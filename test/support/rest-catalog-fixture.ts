// The spark_bunnies fixture as a REST catalog table: uploaded to the loopback S3 server exactly where
// its metadata says it lives (s3a://hyperparam-iceberg/spark/bunnies), so the catalog can serve that
// metadata unchanged.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { fixturePath } from "./fixtures.ts";
import type { RestCatalogTable } from "./rest-catalog-server.ts";
import { testS3Client, uploadDirectory } from "./s3.ts";

export const BUNNIES_LOCATION = "s3a://hyperparam-iceberg/spark/bunnies";
export const BUNNIES_SNAPSHOT_ID = 2701171901096418979n;

export async function uploadBunnies(): Promise<void> {
  const client = testS3Client();
  await client.send(new CreateBucketCommand({ Bucket: "hyperparam-iceberg" })).catch(() => undefined);
  await uploadDirectory(client, fixturePath("spark_bunnies"), "hyperparam-iceberg", "spark/bunnies");
}

export function bunniesTable(namespace: string[], name = "bunnies"): RestCatalogTable {
  return {
    namespace,
    name,
    metadataLocation: `${BUNNIES_LOCATION}/metadata/v5.metadata.json`,
    metadataJson: readFileSync(`${fixturePath("spark_bunnies")}/metadata/v5.metadata.json`, "utf8"),
  };
}
