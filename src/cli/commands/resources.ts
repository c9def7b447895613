/** `mcp-agent resources`, `read SERVER URI` and `prompts`: what servers offer besides tools. */
import * as path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { viewableContents } from '../../core/mcp/resourceView';
import { writeFileAtomic } from '../../core/util/atomicWrite';
import type { AgentManager } from '../../core/mcp/AgentManager';
import { blobText } from '../../core/mcp/chatContext';
import { base64Bytes } from '../../core/mcp/sampling';
import { McpServerError } from '../../core/mcp/errors';
import { CliError, EXIT, loadConfig, type CommonOptions } from '../context';
import { startCliRuntime } from '../runtime';
import { oneLine, printTable } from '../format';
import { visibleControls } from '../../core/util/untrusted';

async function withServers(opts: CommonOptions, fn: (manager: AgentManager) => Promise<number>): Promise<number> {
  const config = await loadConfig(opts);
  const runtime = await startCliRuntime(opts, config);
  const manager = runtime.manager;
  try {
    return await fn(manager);
  } finally {
    await runtime.dispose();
  }
}

function allDown(manager: AgentManager): boolean {
  const statuses = manager.servers();
  return statuses.length > 0 && statuses.every((s) => s.state !== 'connected');
}

/** `mcp-agent resources`: every connected server's resources and resource templates. */
export function runResources(opts: CommonOptions): Promise<number> {
  return withServers(opts, async (manager) => {
    const resources = manager.resources();
    const templates = manager.resourceTemplates();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ resources, templates }, null, 2)}\n`);
    } else if (resources.length === 0 && templates.length === 0) {
      process.stderr.write('mcp-agent: no resources (no server connected or none has resources)\n');
    } else {
      printTable(
        ['SERVER', 'URI', 'NAME', 'MIME TYPE'],
        [
          ...resources.map((r) => [r.server, r.uri, oneLine(r.title ?? r.name, 40), r.mimeType ?? '']),
          ...templates.map((t) => [t.server, t.uriTemplate, oneLine(`${t.title ?? t.name} (template)`, 40), t.mimeType ?? '']),
        ],
      );
    }
    return allDown(manager) ? EXIT.unreachable : EXIT.ok;
  });
}

/**
 * `mcp-agent read SERVER URI`: text contents on stdout; binary contents summarized (or everything with --json).
 * With `--out DIR`, every content is written to a file in DIR instead (named after its URI, with an extension from
 * its MIME type, so an image opens as one) and the paths are printed.
 */
export function runRead(opts: CommonOptions, server: string, uri: string, out?: string): Promise<number> {
  return withServers(opts, async (manager) => {
    const agent = manager.agent(server);
    if (!agent) throw new CliError(`no server named "${server}" (see mcp-agent servers)`, EXIT.usage);
    let result: ReadResourceResult;
    try {
      result = await manager.readResource(server, uri);
    } catch (err) {
      if (err instanceof McpServerError) throw new CliError(err.message, err.kind === 'protocol' ? EXIT.toolError : EXIT.unreachable);
      throw err;
    }
    if (out !== undefined) return writeContents(result, out);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return EXIT.ok;
    }
    for (const c of result.contents) {
      if ('text' in c && typeof c.text === 'string') process.stdout.write(visibleControls(c.text.endsWith('\n') ? c.text : `${c.text}\n`));
      else if ('blob' in c && typeof c.blob === 'string' && blobText(c) !== undefined) process.stdout.write(`${visibleControls(blobText(c) ?? '')}\n`);
      else if ('blob' in c && typeof c.blob === 'string') process.stderr.write(`[${visibleControls(c.uri)}: ${visibleControls(c.mimeType ?? 'binary')}, ${base64Bytes(c.blob)} bytes; use --json for the base64 data]\n`);
    }
    return EXIT.ok;
  });
}

async function writeContents(result: ReadResourceResult, out: string): Promise<number> {
  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw new CliError(`--out ${out}: cannot create the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT.usage);
  }
  const used = new Set<string>();
  for (const v of viewableContents(result.contents)) {
    // Two contents with one name (a resource of several parts) get -2, -3... before the extension.
    let name = v.fileName;
    for (let n = 2; used.has(name); n++) name = v.fileName.replace(/(\.[^.]*)?$/, (ext) => `-${n}${ext}`);
    used.add(name);
    const file = path.join(out, name);
    await writeFileAtomic(file, v.kind === 'text' ? v.text : v.bytes);
    process.stdout.write(`${file}\n`);
  }
  return EXIT.ok;
}

/** `mcp-agent prompts`: every connected server's prompts and their arguments. */
export function runPrompts(opts: CommonOptions): Promise<number> {
  return withServers(opts, async (manager) => {
    const prompts = manager.prompts();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(prompts, null, 2)}\n`);
    } else if (prompts.length === 0) {
      process.stderr.write('mcp-agent: no prompts (no server connected or none has prompts)\n');
    } else {
      printTable(
        ['PROMPT', 'ARGUMENTS', 'DESCRIPTION'],
        prompts.map((p) => [`${p.server}/${p.name}`, (p.arguments ?? []).map((a) => (a.required ? a.name : `[${a.name}]`)).join(' '), oneLine(p.description ?? p.title)]),
      );
    }
    return allDown(manager) ? EXIT.unreachable : EXIT.ok;
  });
}
