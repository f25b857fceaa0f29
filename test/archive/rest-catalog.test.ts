// The REST catalog protocol against a loopback catalog with a bearer token (R2 Data Catalog's way):
// config and load table, multi-level namespaces, paginated lists, and the errors a wrong
// configuration gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveError, ArchiveNotFoundError, TransientStoreError } from "../../src/archive/errors.ts";
import { RestCatalogClient } from "../../src/archive/rest-catalog/rest-catalog-client.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { bearerTokenAuth } from "../support/catalog-auth-enforcers.ts";
import { runCli } from "../support/cli.ts";
import { closedPort } from "../support/closed-port.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { BUNNIES_SNAPSHOT_ID, bunniesTable, uploadBunnies } from "../support/rest-catalog-fixture.ts";
import { startRestCatalog, type RestCatalog } from "../support/rest-catalog-server.ts";
import { s3Endpoint } from "../support/s3.ts";

const TOKEN = "r2-api-token";
const WAREHOUSE = "account_bucket";
const env = { ICEBERG_REST_TOKEN: TOKEN, ICEBERG_REST_WAREHOUSE: WAREHOUSE };
const bearer = { warehouse: WAREHOUSE, auth: { kind: "bearer", token: TOKEN }, vendedCredentials: false } as const;

describe("tables from an Iceberg REST catalog with a bearer token", () => {
  let catalog: RestCatalog;

  beforeAll(async () => {
    await uploadBunnies();
    catalog = await startRestCatalog({
      prefix: "warehouse-1",
      warehouse: WAREHOUSE,
      auth: bearerTokenAuth(TOKEN),
      pageSize: 2,
      tables: [
        bunniesTable(["analytics", "video", "prod"]),
        ...["a", "b", "c", "d", "e"].map((name) => bunniesTable(["analytics", "video"], `copy_${name}`)),
        bunniesTable(["analytics", "audio"]),
        bunniesTable(["billing"]),
      ],
      storage: {
        "s3.endpoint": s3Endpoint(),
        "s3.access-key-id": S3_LOCAL_CREDENTIALS.accessKeyId,
        "s3.secret-access-key": S3_LOCAL_CREDENTIALS.secretAccessKey,
      },
    });
  });
  afterAll(() => catalog?.close());

  it("loads a table in a three-level namespace through config and load-table, then reads its files from the store the catalog names", async () => {
    const table = await ArchiveTable.open(`${catalog.uri}#analytics.video.prod.bunnies`, undefined, env);
    expect(table.metadata["current-snapshot-id"]).toBe(BUNNIES_SNAPSHOT_ID);
    expect(table.loaded.metadataKey).toBe("metadata/v5.metadata.json");
    const { rows } = await readAllRows(table);
    expect(rows).toHaveLength(fixtureExpectation("spark_bunnies").rowCount);
    expect(catalog.requests).toContain(`GET /v1/config?warehouse=${WAREHOUSE} 200`);
    expect(catalog.requests).toContain("GET /v1/warehouse-1/namespaces/analytics%1Fvideo%1Fprod/tables/bunnies 200");
  });

  it("lists tables across pages, following next-page-token until it runs out", async () => {
    const client = await RestCatalogClient.connect(catalog.uri, bearer);
    const before = catalog.requests.length;
    const tables = await client.listTables(["analytics", "video"]);
    expect(tables.map((table) => table.name)).toEqual(["copy_a", "copy_b", "copy_c", "copy_d", "copy_e"]);
    const pages = catalog.requests.slice(before);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toBe("GET /v1/warehouse-1/namespaces/analytics%1Fvideo/tables?pageToken= 200");
    expect(pages[1]).toMatch(/\?pageToken=[A-Za-z0-9_-]+ 200$/);
    expect(pages[2]).not.toBe(pages[1]);
  });

  it("lists the namespaces under a multi-level parent, the parent's levels joined by the unit separator", async () => {
    const client = await RestCatalogClient.connect(catalog.uri, bearer);
    expect(await client.listNamespaces()).toEqual([["analytics"], ["billing"]]);
    expect(await client.listNamespaces(["analytics"])).toEqual([
      ["analytics", "video"],
      ["analytics", "audio"],
    ]);
    expect(await client.listNamespaces(["analytics", "video"])).toEqual([["analytics", "video", "prod"]]);
    expect(catalog.requests).toContain("GET /v1/warehouse-1/namespaces?parent=analytics%1Fvideo&pageToken= 200");
  });

  it("archive list prints a namespace's child namespaces and its tables as archive locations, configured by the environment", async () => {
    const result = await runCli(["archive", "list", `${catalog.uri}#analytics.video`], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      catalog: catalog.uri,
      namespace: "analytics.video",
      namespaces: ["analytics.video.prod"],
      tables: ["a", "b", "c", "d", "e"].map((name) => `${catalog.uri}#analytics.video.copy_${name}`),
    });
  });

  it("archive info reads a table through the catalog with the token from the environment", async () => {
    const result = await runCli(["archive", "info", `${catalog.uri}#billing.bunnies`], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      currentSnapshotId: String(BUNNIES_SNAPSHOT_ID),
      rowCount: fixtureExpectation("spark_bunnies").rowCount,
    });
  });

  it("is refused without a token, and the error names the catalog, the request, the status and the variables to set", async () => {
    const error = await ArchiveTable.open(`${catalog.uri}#billing.bunnies`, undefined, {
      ICEBERG_REST_WAREHOUSE: WAREHOUSE,
    }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.message).toBe(
      `${catalog.uri}: the REST catalog answered 401 to GET /v1/config?warehouse=${WAREHOUSE} (NotAuthorizedException: missing bearer token): ` +
        "the catalog wants credentials: set ICEBERG_REST_TOKEN (a bearer token), ICEBERG_REST_CREDENTIAL (OAuth2 client_id:client_secret) or ICEBERG_REST_SIGV4 (AWS SigV4: s3tables or glue)",
    );
  });

  it("is refused with a wrong token, and says to check ICEBERG_REST_TOKEN", async () => {
    await expect(
      ArchiveTable.open(`${catalog.uri}#billing.bunnies`, undefined, { ...env, ICEBERG_REST_TOKEN: "stale" }),
    ).rejects.toThrow(
      /answered 401 to GET \/v1\/config\?warehouse=account_bucket \(NotAuthorizedException: invalid token\): check ICEBERG_REST_TOKEN/,
    );
  });

  it("names the warehouse when the catalog does not know it", async () => {
    await expect(
      ArchiveTable.open(`${catalog.uri}#billing.bunnies`, undefined, { ...env, ICEBERG_REST_WAREHOUSE: "other" }),
    ).rejects.toThrow(
      /answered 400 to GET \/v1\/config\?warehouse=other \(BadRequestException: unknown warehouse other\): check the catalog URI .* and ICEBERG_REST_WAREHOUSE/,
    );
  });

  it("reports a missing table as not found, with the catalog's own message and what to check", async () => {
    const error = await ArchiveTable.open(`${catalog.uri}#analytics.video.rabbits`, undefined, env).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(ArchiveNotFoundError);
    expect(error.message).toBe(
      `${catalog.uri}: the REST catalog answered 404 to GET /v1/warehouse-1/namespaces/analytics%1Fvideo/tables/rabbits ` +
        "(NoSuchTableException: Table does not exist: analytics.video.rabbits): check the namespace and table after # in the archive location, and ICEBERG_REST_WAREHOUSE",
    );
  });

  it("reports a catalog that does not answer as worth retrying, naming its URI", async () => {
    const uri = `http://127.0.0.1:${await closedPort()}`;
    const error = await ArchiveTable.open(`${uri}#billing.bunnies`, undefined, env).catch((caught) => caught);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect(error.message).toMatch(
      new RegExp(
        `^${uri}: the REST catalog did not answer GET /v1/config\\?warehouse=account_bucket \\(.*ECONNREFUSED.*\\): check the URI`,
      ),
    );
  });

  it("refuses a reference without a namespace", async () => {
    await expect(ArchiveTable.open(`${catalog.uri}#bunnies`, undefined, env)).rejects.toThrow(
      /http\(s\):\/\/catalog-uri#namespace\.table/,
    );
  });
});
