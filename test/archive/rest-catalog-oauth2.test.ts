// OAuth2 client credentials (Polaris' way, or Nessie's behind an identity provider) against a
// loopback catalog that issues short-lived tokens and refuses missing, unknown, revoked and expired
// ones.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveError } from "../../src/archive/errors.ts";
import { restCatalogSettingsFromEnv } from "../../src/archive/rest-catalog/catalog-settings.ts";
import { RestCatalogClient } from "../../src/archive/rest-catalog/rest-catalog-client.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { S3_LOCAL_CREDENTIALS } from "../../src/local/s3-server.ts";
import { oauth2ClientCredentialsAuth, type OAuth2ClientCredentialsAuth } from "../support/catalog-auth-enforcers.ts";
import { fixtureExpectation, readAllRows } from "../support/fixture-expectations.ts";
import { bunniesTable, uploadBunnies } from "../support/rest-catalog-fixture.ts";
import { startRestCatalog, type RestCatalog } from "../support/rest-catalog-server.ts";
import { s3Endpoint } from "../support/s3.ts";

const CLIENT = { clientId: "reproject", clientSecret: "s3cr3t", scope: "PRINCIPAL_ROLE:ALL" };
const TOKEN_LIFETIME_SECONDS = 1;

async function startCatalog(tokenPath: string): Promise<{ catalog: RestCatalog; auth: OAuth2ClientCredentialsAuth }> {
  const auth = oauth2ClientCredentialsAuth({ ...CLIENT, lifetimeSeconds: TOKEN_LIFETIME_SECONDS, tokenPath });
  const catalog = await startRestCatalog({
    prefix: "polaris",
    auth,
    tables: [bunniesTable(["events"]), bunniesTable(["events"], "more_bunnies")],
    storage: {
      "s3.endpoint": s3Endpoint(),
      "s3.access-key-id": S3_LOCAL_CREDENTIALS.accessKeyId,
      "s3.secret-access-key": S3_LOCAL_CREDENTIALS.secretAccessKey,
    },
  });
  return { catalog, auth };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a REST catalog behind OAuth2 client credentials", () => {
  let catalog: RestCatalog;
  let auth: OAuth2ClientCredentialsAuth;
  const env = () => ({
    ICEBERG_REST_CREDENTIAL: `${CLIENT.clientId}:${CLIENT.clientSecret}`,
    ICEBERG_REST_SCOPE: CLIENT.scope,
  });

  beforeAll(async () => {
    await uploadBunnies();
    ({ catalog, auth } = await startCatalog("/v1/oauth/tokens"));
  });
  afterAll(() => catalog?.close());

  it("refuses a request without a token, with an unknown token and with an expired one", async () => {
    const config = `${catalog.uri}/v1/config`;
    expect((await fetch(config)).status).toBe(401);
    expect((await fetch(config, { headers: { authorization: "Bearer made-up" } })).status).toBe(401);
    const client = await RestCatalogClient.connect(catalog.uri, restCatalogSettingsFromEnv(env()));
    await client.listTables(["events"]);
    const expired = auth.issued.at(-1)!;
    await sleep(TOKEN_LIFETIME_SECONDS * 1000 + 50);
    const answer = await fetch(config, { headers: { authorization: `Bearer ${expired}` } });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ error: { message: "token expired" } });
  });

  it("gets a token from the catalog's /v1/oauth/tokens with the client id, secret and scope, and reads the table with it", async () => {
    const issuedBefore = auth.issued.length;
    const table = await ArchiveTable.open(`${catalog.uri}#events.bunnies`, undefined, env());
    expect((await readAllRows(table)).rows).toHaveLength(fixtureExpectation("spark_bunnies").rowCount);
    expect(auth.issued.length - issuedBefore).toBe(1);
    expect(catalog.requests.slice(-3)).toEqual([
      "POST /v1/oauth/tokens 200",
      "GET /v1/config 200",
      "GET /v1/polaris/namespaces/events/tables/bunnies 200",
    ]);
  });

  it("fetches a new token before the old one expires, so no request is refused", async () => {
    const client = await RestCatalogClient.connect(catalog.uri, restCatalogSettingsFromEnv(env()));
    const issuedBefore = auth.issued.length;
    const requestsBefore = catalog.requests.length;
    // Past four fifths of the token's life: the client renews it before sending.
    await sleep(TOKEN_LIFETIME_SECONDS * 850);
    await client.loadTable(["events"], "more_bunnies");
    expect(auth.issued.length - issuedBefore).toBe(1);
    expect(catalog.requests.slice(requestsBefore)).toEqual([
      "POST /v1/oauth/tokens 200",
      "GET /v1/polaris/namespaces/events/tables/more_bunnies 200",
    ]);
  });

  it("on a 401 for a token it thought valid (revoked), fetches a new one once and repeats the request", async () => {
    const client = await RestCatalogClient.connect(catalog.uri, restCatalogSettingsFromEnv(env()));
    const requestsBefore = catalog.requests.length;
    auth.revokeAll();
    await client.loadTable(["events"], "bunnies");
    expect(catalog.requests.slice(requestsBefore)).toEqual([
      "GET /v1/polaris/namespaces/events/tables/bunnies 401",
      "POST /v1/oauth/tokens 200",
      "GET /v1/polaris/namespaces/events/tables/bunnies 200",
    ]);
  });

  it("names the token endpoint, its status and answer, and the variables to check when the secret is wrong", async () => {
    const error = await ArchiveTable.open(`${catalog.uri}#events.bunnies`, undefined, {
      ...env(),
      ICEBERG_REST_CREDENTIAL: "reproject:wrong",
    }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.message).toBe(
      `${catalog.uri}: the OAuth2 token endpoint answered 401 to POST ${catalog.uri}/v1/oauth/tokens (invalid_client: unknown client or wrong secret): ` +
        "the token endpoint refused the client credentials: check ICEBERG_REST_CREDENTIAL (client_id:client_secret), ICEBERG_REST_SCOPE " +
        "and ICEBERG_REST_OAUTH2_SERVER_URI (unset, the catalog's own /v1/oauth/tokens is used)",
    );
  });

  it("sends the scope of ICEBERG_REST_SCOPE, `catalog` when unset", async () => {
    await expect(
      ArchiveTable.open(`${catalog.uri}#events.bunnies`, undefined, { ...env(), ICEBERG_REST_SCOPE: "" }),
    ).rejects.toThrow(/answered 400 to POST .*\/v1\/oauth\/tokens \(invalid_scope: scope catalog is not granted\)/);
  });
});

describe("a token endpoint of its own (oauth2-server-uri)", () => {
  let catalog: RestCatalog;
  let auth: OAuth2ClientCredentialsAuth;
  beforeAll(async () => {
    await uploadBunnies();
    ({ catalog, auth } = await startCatalog("/realms/iceberg/protocol/openid-connect/token"));
  });
  afterAll(() => catalog?.close());

  it("gets the token from ICEBERG_REST_OAUTH2_SERVER_URI, not from the catalog's /v1/oauth/tokens", async () => {
    const table = await ArchiveTable.open(`${catalog.uri}#events.bunnies`, undefined, {
      ICEBERG_REST_CREDENTIAL: `${CLIENT.clientId}:${CLIENT.clientSecret}`,
      ICEBERG_REST_SCOPE: CLIENT.scope,
      ICEBERG_REST_OAUTH2_SERVER_URI: `${catalog.uri}/realms/iceberg/protocol/openid-connect/token`,
    });
    expect(table.metadata["format-version"]).toBe(2);
    expect(auth.issued).toHaveLength(1);
    expect(catalog.requests[0]).toBe("POST /realms/iceberg/protocol/openid-connect/token 200");
    expect(catalog.requests.some((request) => request.includes("/v1/oauth/tokens"))).toBe(false);
  });
});
