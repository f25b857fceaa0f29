// Child-process entry for the loopback S3 server (see s3-server.ts). Runs s3rver, the real S3 HTTP
// protocol in Node, with two fixes: s3rver answers suffix ranges (`Range: bytes=-N`, how Parquet
// footers are read) wrongly, so they are rewritten to absolute ranges before it sees them; and it
// ignores `If-None-Match: *` on PUT, which S3, R2 and MinIO answer with 412 when the key exists.
import S3rver from "s3rver";

const [directory, portArg] = process.argv.slice(2);
if (!directory) throw new Error("usage: s3-server-process <directory> [port]");

const server = new S3rver({
  address: "127.0.0.1",
  port: Number(portArg ?? 0),
  directory,
  silent: true,
  allowMismatchedSignatures: true,
});

server.middleware.unshift(async (ctx, next) => {
  const suffix = /^bytes=-(\d+)$/.exec(ctx.get("range"));
  if (suffix && ctx.method === "GET") {
    const [, bucket, ...keyParts] = ctx.path.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const metadata = bucket && key ? await server.store.getMetadata(bucket, key).catch(() => null) : null;
    if (metadata) {
      const size = Number(metadata["content-length"]);
      const start = Math.max(0, size - Number(suffix[1]));
      ctx.request.headers.range = `bytes=${start}-${size - 1}`;
    }
  }
  await next();
});

server.middleware.unshift(async (ctx, next) => {
  const [, bucket, ...keyParts] = ctx.path.split("/");
  const key = decodeURIComponent(keyParts.join("/"));
  if (
    ctx.method === "PUT" &&
    ctx.get("if-none-match") === "*" &&
    bucket &&
    key &&
    (await server.store.existsObject(bucket, key))
  ) {
    ctx.status = 412;
    ctx.type = "application/xml";
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
      "<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>";
    return;
  }
  await next();
});

const { port } = await server.run();
process.stdout.write(`S3_READY ${port}\n`);
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
