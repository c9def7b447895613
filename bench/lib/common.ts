/** What every scenario shares: the profile (how many samples), a progress line writer, and the MCP fixtures. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ServerDefinition } from '../../src/core/mcp/serverConfig';
import { everythingDef, EVERYTHING, faultDef, FAULT_SERVER, ROOT } from '../../test/helpers/servers';

export { everythingDef, EVERYTHING, faultDef, FAULT_SERVER, ROOT };

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  /** Fresh (ours, raw) server pairs, and echo calls per contender on each pair (after warm-up). */
  mcpPairs: number;
  mcpCalls: number;
  mcpWarmup: number;
  /** Full tool turns per contender (after warm-up). */
  turns: number;
  turnWarmup: number;
  /**
   * Warm-up rounds of the HTTP turn, whose server is a fresh process: its code (and the scripted model's) keeps
   * getting faster for a few hundred turns while V8 optimizes it, and a server's users see its steady state.
   */
  httpWarmup: number;
  /** Repetitions of the 16-call fan-out turn. */
  fanoutReps: number;
  fanoutCalls: number;
  fanoutServers: number;
  /** Servers started at once, and how many times the whole comparison is repeated. */
  startupServers: number;
  startupReps: number;
  /** How many of the servers are also timed alone (all of them in a full run). */
  startupSingles: number;
  /** Also time the raw SDK starting all of them at once (a diagnostic). */
  startupRaw: boolean;
  cacheMemoryHits: number;
  cacheFileHits: number;
  memoryServers: number;
  /** Fresh code-server runs timing the extension's activation (0: not measured in this profile). */
  activationRuns: number;
  /** Tokens streamed into the chat webview at `webviewTokensPerSecond`, and how many such runs (0: not measured). */
  webviewTokens: number;
  webviewTokensPerSecond: number;
  webviewRuns: number;
  /** Concurrent streaming chats per load wave (bench/scenarios/load.ts), and the tokens of each answer. */
  loadConcurrency: number[];
  loadTokens: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full', mcpPairs: 4, mcpCalls: 1000, mcpWarmup: 300, turns: 150, turnWarmup: 30, httpWarmup: 500, fanoutReps: 20, fanoutCalls: 16, fanoutServers: 4,
    startupServers: 20, startupReps: 3, startupSingles: 20, startupRaw: true, cacheMemoryHits: 50_000, cacheFileHits: 1000, memoryServers: 20,
    activationRuns: 3, webviewTokens: 10_000, webviewTokensPerSecond: 1000, webviewRuns: 3,
    loadConcurrency: [50, 200], loadTokens: 60,
  },
  quick: {
    name: 'quick', mcpPairs: 4, mcpCalls: 200, mcpWarmup: 100, turns: 60, turnWarmup: 10, httpWarmup: 200, fanoutReps: 4, fanoutCalls: 16, fanoutServers: 4,
    startupServers: 8, startupReps: 1, startupSingles: 2, startupRaw: false, cacheMemoryHits: 10_000, cacheFileHits: 200, memoryServers: 8,
    activationRuns: 0, webviewTokens: 3000, webviewTokensPerSecond: 1000, webviewRuns: 1,
    loadConcurrency: [50], loadTokens: 30,
  },
  smoke: {
    name: 'smoke', mcpPairs: 1, mcpCalls: 20, mcpWarmup: 5, turns: 2, turnWarmup: 1, httpWarmup: 1, fanoutReps: 1, fanoutCalls: 4, fanoutServers: 2,
    startupServers: 2, startupReps: 1, startupSingles: 1, startupRaw: false, cacheMemoryHits: 200, cacheFileHits: 10, memoryServers: 1,
    activationRuns: 0, webviewTokens: 200, webviewTokensPerSecond: 1000, webviewRuns: 0,
    loadConcurrency: [4], loadTokens: 5,
  },
};

export type Log = (line: string) => void;

export interface Ctx {
  profile: Profile;
  log: Log;
  /** Things a scenario wants written next to its figures (why a value is null, how it was measured). */
  notes: string[];
}

/** A raw MCP SDK client on a stdio server, as a minimal hand-written client would make one. */
export async function rawStdioClient(def: ServerDefinition): Promise<Client> {
  const client = new Client({ name: 'bench-raw', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ command: def.command ?? process.execPath, args: def.args, stderr: 'ignore' }));
  return client;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
