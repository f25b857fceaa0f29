import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveNotFoundError } from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { fixturePath } from "../support/fixtures.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { startRestCatalog } from "../support/rest-catalog-server.ts";
import { s3Endpoint, testS3Client, uploadDirectory } from "../support/s3.ts";
import { CreateBucketCommand } from "@aws-sdk/client-s3";

describe("tables from an Iceberg REST catalog", () => {
  let catalog: Awaited<ReturnType<typeof startRestCatalog>>;
  const token = "secret-token";

  beforeAll(async () => {
    // The table lives exactly where its metadata says: s3a://hyperparam-iceberg/spark/bunnies.
    const client = testS3Client();
    await client.send(new CreateBucketCommand({ Bucket: "hyperparam-iceberg" })).catch(() => undefined);
    await uploadDirectory(client, fixturePath("spark_bunnies"), "hyperparam-iceberg", "spark/bunnies");
    catalog = await startRestCatalog({
      prefix: "warehouse-1",
      token,
      tables: [
        {
          namespace: ["analytics", "video"],
          name: "bunnies",
          metadataLocation: "s3a://hyperparam-iceberg/spark/bunnies/metadata/v5.metadata.json",
          metadataJson: readFileSync(`${fixturePath("spark_bunnies")}/metadata/v5.metadata.json`, "utf8"),
        },
      ],
      s3: {
        "s3.endpoint": s3Endpoint(),
        "s3.access-key-id": S3_LOCAL_CREDENTIALS.accessKeyId,
        "s3.secret-access-key": S3_LOCAL_CREDENTIALS.secretAccessKey,
      },
    });
    process.env.ICEBERG_REST_TOKEN = token;
  });
  afterAll(async () => {
    delete process.env.ICEBERG_REST_TOKEN;
    await catalog?.close();
  });

  it("loads a table through config and load-table, then reads its files from the store the catalog names", async () => {
    const table = await ArchiveTable.open(`${catalog.uri}#analytics.video.bunnies`);
    expect(table.metadata["current-snapshot-id"]).toBe(2701171901096418979n);
    expect(table.loaded.metadataKey).toBe("metadata/v5.metadata.json");
    const { rows } = await readAllRows(table);
    expect(rows).toHaveLength(fixtureExpectation("spark_bunnies").rowCount);
    expect(catalog.requests).toContain("GET /v1/config");
    expect(catalog.requests).toContain("GET /v1/warehouse-1/namespaces/analytics%1Fvideo/tables/bunnies");
  });

  it("reports a missing table with the catalog's own message", async () => {
    await expect(ArchiveTable.open(`${catalog.uri}#analytics.video.rabbits`)).rejects.toThrow(ArchiveNotFoundError);
    await expect(ArchiveTable.open(`${catalog.uri}#analytics.video.rabbits`)).rejects.toThrow(
      /REST catalog says: NoSuchTableException: Table does not exist/,
    );
  });

  it("refuses a reference without a namespace", async () => {
    await expect(ArchiveTable.open(`${catalog.uri}#bunnies`)).rejects.toThrow(/http\(s\):\/\/catalog-uri#namespace\.table/);
  });
});
