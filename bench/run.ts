/**
 * `npm run bench [-- --quick | --smoke] [--write-docs | --no-docs] [--only SCENARIO,...]`
 *
 * Prints progress, then the table, then, as its last line, one JSON object with every figure. A full run also
 * rewrites the generated section of docs/BENCHMARKS.md. Exit code 1 when a scenario failed.
 */
import * as path from 'node:path';
import { runBench } from './bench';
import { PROFILES, ROOT } from './lib/common';
import { consoleTable, writeDoc } from './report';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const profile = args.includes('--smoke') ? PROFILES.smoke : args.includes('--quick') ? PROFILES.quick : PROFILES.full;
  const onlyAt = args.indexOf('--only');
  // `--only http-turn,turn`: those scenarios alone (the names the progress lines print in brackets); never written to the docs.
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  if (only && only.length === 0) throw new Error('--only needs scenario names, e.g. --only http-turn,turn');
  const writeDocs = !only && (args.includes('--write-docs') || (profile.name === 'full' && !args.includes('--no-docs')));
  const command = `npm run bench${profile.name === 'full' ? '' : ` -- --${profile.name}`}`;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`mcp-agent bench, profile ${profile.name}`);
  const result = await runBench(profile, { log, ...(only ? { only } : {}) });
  log('');
  log(consoleTable(result));
  for (const note of result.notes) log(`note: ${note}`);
  if (writeDocs) {
    await writeDoc(path.join(ROOT, 'docs/BENCHMARKS.md'), result, command);
    log('wrote docs/BENCHMARKS.md');
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.failed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Whatever a library left running (a timer, a socket) must not keep the bench alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
