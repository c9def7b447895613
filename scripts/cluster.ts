/**
 * The deployment of docs/DEPLOY.md on this machine, by hand: a throwaway PostgreSQL and Redis (unless given), N
 * `mcp-agent serve` instances from dist/ and nginx in front with deploy/nginx.conf. The multi-instance tests and the
 * load benchmark start the same topology (test/helpers/cluster.ts).
 *
 *   npm run build && npx tsx scripts/cluster.ts --instances 3 [--store-url postgres://…] [--redis-url redis://…]
 *     [--workspace DIR] [-- …more serve options]
 *
 * The model comes from the environment as for `mcp-agent serve` (OPENAI_API_BASE, OPENAI_API_KEY, OPENAI_MODEL).
 * Prints nginx's URL and each instance's; Ctrl-C stops everything.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../test/helpers/cluster';
import { startPostgres } from '../test/helpers/postgres';
import { startRedis } from '../test/helpers/redis';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      port: { type: 'string' },
      'store-url': { type: 'string' },
      'redis-url': { type: 'string' },
      workspace: { type: 'string' },
    },
    allowPositionals: true,
  });
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances must be a whole number of at least 1');
  const pg = values['store-url'] ? undefined : await startPostgres();
  const redis = values['redis-url'] ? undefined : await startRedis();
  const storeUrl = values['store-url'] ?? pg!.url;
  const redisUrl = values['redis-url'] ?? redis?.url;
  const cwd = values.workspace ?? process.cwd();
  const data = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-cluster-data-'));
  const cluster = await startCluster({
    instances,
    cwd,
    port: values.port ? Number(values.port) : undefined,
    env: {
      MCP_AGENT_STORE_URL: storeUrl,
      MCP_AGENT_DATA_DIR: path.join(data, 'data'),
      MCP_AGENT_CACHE_DIR: path.join(data, 'cache'),
      ...(redisUrl ? { MCP_AGENT_REDIS_URL: redisUrl } : {}),
    },
    args: positionals,
  });
  console.log(`nginx:     ${cluster.url}`);
  for (const i of cluster.instances) console.log(`instance ${i.index}: http://127.0.0.1:${i.port}`);
  console.log(`store:     ${storeUrl.replace(/:[^:@/]*@/, ':***@')}`);
  if (redisUrl) console.log(`redis:     ${redisUrl}`);
  console.log('Ctrl-C stops everything.');
  const stop = async () => {
    await cluster.close();
    await redis?.stop();
    await pg?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`cluster: ${(err as Error).message}`);
  process.exit(1);
});
