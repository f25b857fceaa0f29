// AWS SigV4-signed requests (S3 Tables' Iceberg REST endpoint, Glue's) against a loopback catalog
// that recomputes each signature with the AWS SDK's signer and refuses unsigned, stale, wrongly
// signed and wrongly scoped requests, as AWS does.
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveError } from "../../src/archive/errors.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { sigv4Auth } from "../support/catalog-auth-enforcers.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { bunniesTable, uploadBunnies } from "../support/rest-catalog-fixture.ts";
import { startRestCatalog, type RestCatalog } from "../support/rest-catalog-server.ts";
import { s3Endpoint } from "../support/s3.ts";

const TABLE_BUCKET_ARN = "arn:aws:s3tables:us-east-1:111122223333:bucket/events";
// S3 Tables answers /v1/config with the table bucket's ARN, URL-encoded, as the prefix.
const PREFIX = encodeURIComponent(TABLE_BUCKET_ARN);

describe("a REST catalog that takes SigV4-signed requests (S3 Tables)", () => {
  let catalog: RestCatalog;
  // S3 Tables vends no credentials: the same AWS identity signs the catalog requests and reads the files.
  const env = () => ({
    ICEBERG_REST_SIGV4: "s3tables",
    ICEBERG_REST_WAREHOUSE: TABLE_BUCKET_ARN,
    AWS_REGION: S3_LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    S3_ENDPOINT: s3Endpoint(),
  });

  beforeAll(async () => {
    await uploadBunnies();
    catalog = await startRestCatalog({
      prefix: PREFIX,
      warehouse: TABLE_BUCKET_ARN,
      auth: sigv4Auth({ service: "s3tables", region: S3_LOCAL_REGION, ...S3_LOCAL_CREDENTIALS }),
      tables: [bunniesTable(["video"])],
    });
  });
  afterAll(() => catalog?.close());

  async function signedFetch(path: string, options: { secretAccessKey?: string; signingDate?: Date } = {}) {
    const url = new URL(`${catalog.uri}${path}`);
    const signer = new SignatureV4({
      service: "s3tables",
      region: S3_LOCAL_REGION,
      credentials: {
        ...S3_LOCAL_CREDENTIALS,
        secretAccessKey: options.secretAccessKey ?? S3_LOCAL_CREDENTIALS.secretAccessKey,
      },
      sha256: Sha256,
    });
    const signed = await signer.sign(
      {
        method: "GET",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
      },
      { signingDate: options.signingDate },
    );
    delete signed.headers.host;
    return fetch(url, { headers: signed.headers });
  }

  it("refuses an unsigned request, a stale X-Amz-Date and a wrong secret, and takes a correct signature", async () => {
    const config = `/v1/config?warehouse=${encodeURIComponent(TABLE_BUCKET_ARN)}`;
    const unsigned = await fetch(`${catalog.uri}${config}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ error: { type: "MissingAuthenticationToken" } });
    const stale = await signedFetch(config, { signingDate: new Date(Date.now() - 20 * 60_000) });
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ error: { type: "RequestTimeTooSkewed" } });
    const wrongSecret = await signedFetch(config, { secretAccessKey: "not-the-secret" });
    expect(wrongSecret.status).toBe(403);
    expect(await wrongSecret.json()).toMatchObject({ error: { type: "SignatureDoesNotMatch" } });
    expect((await signedFetch(config)).status).toBe(200);
  });

  it("signs config and load-table for s3tables and reads the table's files with the same AWS credentials", async () => {
    const before = catalog.requests.length;
    const table = await ArchiveTable.open(`${catalog.uri}#video.bunnies`, undefined, env());
    expect((await readAllRows(table)).rows).toHaveLength(fixtureExpectation("spark_bunnies").rowCount);
    expect(catalog.requests.slice(before)).toEqual([
      `GET /v1/config?warehouse=${encodeURIComponent(TABLE_BUCKET_ARN)} 200`,
      `GET /v1/${PREFIX}/namespaces/video/tables/bunnies 200`,
    ]);
  });

  it("names the catalog, the request, the 403 and the AWS settings to check when the secret is wrong", async () => {
    const error = await ArchiveTable.open(`${catalog.uri}#video.bunnies`, undefined, {
      ...env(),
      AWS_SECRET_ACCESS_KEY: "rotated-away",
    }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.message).toBe(
      `${catalog.uri}: the REST catalog answered 403 to GET /v1/config?warehouse=${encodeURIComponent(TABLE_BUCKET_ARN)} ` +
        "(SignatureDoesNotMatch: the signature does not match the request and the key's secret): " +
        "check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, else the SDK's default chain), " +
        `the signing region "${S3_LOCAL_REGION}" (ICEBERG_REST_SIGNING_REGION, else AWS_REGION) and signing name "s3tables" (ICEBERG_REST_SIGV4), ` +
        "that the machine's clock is right, and that the IAM policy allows reading this table",
    );
  });

  it("is refused when signed for Glue or for another region than the endpoint's", async () => {
    await expect(
      ArchiveTable.open(`${catalog.uri}#video.bunnies`, undefined, { ...env(), ICEBERG_REST_SIGV4: "glue" }),
    ).rejects.toThrow(/answered 403 .*credential scoped to us-east-1\/glue, expected us-east-1\/s3tables/);
    await expect(
      ArchiveTable.open(`${catalog.uri}#video.bunnies`, undefined, {
        ...env(),
        ICEBERG_REST_SIGNING_REGION: "eu-west-1",
      }),
    ).rejects.toThrow(/answered 403 .*credential scoped to eu-west-1\/s3tables/);
  });
});
