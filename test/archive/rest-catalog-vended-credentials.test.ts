// Vended credentials (Polaris, Glue with Lake Formation, Nessie with STS): the catalog hands out
// short-lived S3 credentials with the table, and the S3 endpoint takes only those, only until they
// expire (a SigV4-checking proxy in front of the test S3 server). Every manifest and data file read
// must use them, and the reader must get new ones before they run out.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ArchiveError } from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { bearerTokenAuth } from "../support/catalog-auth-enforcers.ts";
import { CredentialVendor } from "../support/credential-vendor.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { bunniesTable, uploadBunnies } from "../support/rest-catalog-fixture.ts";
import { startRestCatalog, type RestCatalog, type RestCatalogOptions } from "../support/rest-catalog-server.ts";
import { s3Endpoint } from "../support/s3.ts";
import {
  startVendedCredentialsS3Proxy,
  type VendedCredentialsS3Proxy,
} from "../support/vended-credentials-s3-proxy.ts";

const TOKEN = "polaris-token";
const CREDENTIAL_LIFETIME_MS = 2_000;
const ROWS = fixtureExpectation("spark_bunnies").rowCount;
const env = { ICEBERG_REST_TOKEN: TOKEN, ICEBERG_REST_ACCESS_DELEGATION: "vended-credentials" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("vended credentials", () => {
  let vendor: CredentialVendor;
  let proxy: VendedCredentialsS3Proxy;
  let catalog: RestCatalog | undefined;

  beforeAll(async () => {
    await uploadBunnies();
  });
  afterEach(async () => {
    await catalog?.close();
    await proxy?.close();
  });

  async function start(options: Partial<RestCatalogOptions> = {}) {
    vendor = new CredentialVendor(CREDENTIAL_LIFETIME_MS);
    proxy = await startVendedCredentialsS3Proxy(s3Endpoint(), vendor);
    catalog = await startRestCatalog({
      prefix: "polaris",
      auth: bearerTokenAuth(TOKEN),
      tables: [bunniesTable(["events"])],
      storage: { "s3.endpoint": proxy.endpoint, "client.region": S3_LOCAL_REGION },
      vendor,
      broaderCredentialPrefix: "s3://hyperparam-iceberg",
      ...options,
    });
    return catalog;
  }

  it("the S3 endpoint refuses unsigned requests, unknown keys, the static keys and expired vended credentials", async () => {
    await start();
    const key = "spark/bunnies/metadata/v5.metadata.json";
    expect((await fetch(`${proxy.endpoint}/hyperparam-iceberg/${key}`)).status).toBe(403);
    const read = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new S3Client({
        endpoint: proxy.endpoint,
        region: S3_LOCAL_REGION,
        credentials,
        forcePathStyle: true,
        maxAttempts: 1,
      })
        .send(new GetObjectCommand({ Bucket: "hyperparam-iceberg", Key: key }))
        .then((answer) => answer.$metadata.httpStatusCode)
        .catch((error) => error.name);
    expect(await read(S3_LOCAL_CREDENTIALS)).toBe("InvalidAccessKeyId");
    const vended = vendor.issue();
    expect(await read({ ...vended, sessionToken: "someone-else's" })).toBe("InvalidToken");
    expect(await read({ ...vended, secretAccessKey: "guessed" })).toBe("SignatureDoesNotMatch");
    expect(await read(vended)).toBe(200);
    await sleep(CREDENTIAL_LIFETIME_MS + 50);
    expect(await read(vended)).toBe("ExpiredToken");
  });

  it("asks for them with X-Iceberg-Access-Delegation and reads every file with the table's own credential", async () => {
    await start();
    const table = await ArchiveTable.open(`${catalog!.uri}#events.bunnies`, undefined, env);
    expect((await readAllRows(table)).rows).toHaveLength(ROWS);
    expect(vendor.issued).toHaveLength(1);
    // The metadata list, manifest list, manifests and data files: all through the proxy, all with VENDED1.
    expect(proxy.accepted.get("VENDED1")).toBeGreaterThanOrEqual(4);
    expect([...proxy.accepted.keys()]).toEqual(["VENDED1"]);
    expect(proxy.refused).toEqual([]);
  });

  it("reloads the table for new credentials before the old ones expire, when the catalog has no credentials endpoint", async () => {
    const started = await start();
    const table = await ArchiveTable.open(`${started.uri}#events.bunnies`, undefined, env);
    expect((await readAllRows(table)).rows).toHaveLength(ROWS);
    await sleep(CREDENTIAL_LIFETIME_MS + 100);
    expect((await readAllRows(table)).rows).toHaveLength(ROWS);
    expect(vendor.issued.length).toBeGreaterThanOrEqual(2);
    const latest = vendor.issued.at(-1)!.accessKeyId;
    expect(proxy.accepted.get(latest)).toBeGreaterThan(0);
    expect(proxy.refused).toEqual([]);
    const loads = started.requests.filter(
      (request) => request === "GET /v1/polaris/namespaces/events/tables/bunnies 200",
    );
    expect(loads.length).toBe(vendor.issued.length);
  });

  it("takes new credentials from the credentials endpoint when the catalog lists it", async () => {
    const started = await start({ credentialsEndpoint: true });
    const table = await ArchiveTable.open(`${started.uri}#events.bunnies`, undefined, env);
    await sleep(CREDENTIAL_LIFETIME_MS + 100);
    expect((await readAllRows(table)).rows).toHaveLength(ROWS);
    expect(vendor.issued).toHaveLength(2);
    expect(proxy.accepted.has("VENDED1")).toBe(false);
    expect(proxy.accepted.get("VENDED2")).toBeGreaterThan(0);
    expect(proxy.refused).toEqual([]);
    expect(started.requests.slice(-1)).toEqual(["GET /v1/polaris/namespaces/events/tables/bunnies/credentials 200"]);
    expect(started.requests.filter((request) => request.endsWith("/tables/bunnies 200"))).toHaveLength(1);
  });

  it("fails clearly when asked for vended credentials and the catalog gives none", async () => {
    const started = await start({ vendor: undefined });
    const error = await ArchiveTable.open(`${started.uri}#events.bunnies`, undefined, env).catch((caught) => caught);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.message).toBe(
      `${started.uri}: GET /v1/polaris/namespaces/events/tables/bunnies with X-Iceberg-Access-Delegation: vended-credentials ` +
        "answered no S3 credentials for s3a://hyperparam-iceberg/spark/bunnies: check that the catalog vends credentials for this table " +
        "(its storage configuration and the principal's grants), or unset ICEBERG_REST_ACCESS_DELEGATION and give the store's own credentials " +
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
    );
  });
});
