// Read every secret of a references list with the AWS SDK for JavaScript v3,
// as a concurrent CI script would: one AssumeRoleWithWebIdentity per role
// (started by the first read that needs it), then GetSecretValue per secret,
// with at most CONCURRENCY calls in flight over shared keep-alive sockets.
//
//   node bench/js/sdk_loop.mjs REFERENCES_JSON TOKEN_FILE CONCURRENCY
//
// Needs AWS_ENDPOINT_URL, AWS_REGION and NODE_EXTRA_CA_CERTS (the server's
// CA). Prints one JSON line with the read and failure counts; secret values
// and credentials are never printed.
import { readFileSync } from "node:fs";
import https from "node:https";
import { STSClient, AssumeRoleWithWebIdentityCommand } from "@aws-sdk/client-sts";
import { SecretsManagerClient, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";

const [referencesPath, tokenPath, concurrencyText] = process.argv.slice(2);
const concurrency = Number.parseInt(concurrencyText ?? "16", 10);
if (!referencesPath || !tokenPath || !(concurrency > 0)) {
  console.error("usage: node sdk_loop.mjs REFERENCES_JSON TOKEN_FILE CONCURRENCY");
  process.exit(2);
}
const references = JSON.parse(readFileSync(referencesPath, "utf8"));
const token = readFileSync(tokenPath, "utf8").trim();
const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION ?? "us-east-1";
const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
const requestHandler = { httpsAgent: agent };

const sts = new STSClient({ endpoint, region, requestHandler });
const clients = new Map();

function clientFor(roleArn) {
  if (!clients.has(roleArn)) {
    const pending = sts
      .send(new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn, RoleSessionName: "bench-js", WebIdentityToken: token,
      }))
      .then(({ Credentials }) => new SecretsManagerClient({
        endpoint, region, requestHandler,
        credentials: {
          accessKeyId: Credentials.AccessKeyId,
          secretAccessKey: Credentials.SecretAccessKey,
          sessionToken: Credentials.SessionToken,
        },
      }));
    clients.set(roleArn, pending);
  }
  return clients.get(roleArn);
}

const edges = references.identities.flatMap(({ role_arn, secret_ids }) =>
  secret_ids.map((secretId) => ({ roleArn: role_arn, secretId })));
let next = 0;
let reads = 0;
let failures = 0;

async function worker() {
  while (next < edges.length) {
    const { roleArn, secretId } = edges[next++];
    try {
      const client = await clientFor(roleArn);
      const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (result.SecretString === undefined && result.SecretBinary === undefined) failures++;
    } catch (error) {
      failures++;
      if (failures <= 3) console.error(`read of ${secretId} as ${roleArn} failed: ${error.name}`);
    }
    reads++;
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - start) / 1000;
agent.destroy();
console.log(JSON.stringify({ reads, failures, seconds: Number(seconds.toFixed(3)) }));
process.exit(failures === 0 ? 0 : 1);
