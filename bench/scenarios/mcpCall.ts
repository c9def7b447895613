/**
 * `echo` through AgentManager.callTool against the raw SDK `Client.callTool`, each on its own instance of the same
 * stdio server (the reference `everything` server), calls interleaved one for one. A stdio round trip is mostly
 * process wake-ups, which differ a little from one server process to the next, so the comparison is repeated on
 * several fresh pairs of server processes and pooled.
 *
 * The reference call asks for what ours asks for: progress (a progress token and a callback, so a long tool's progress
 * extends its timeout and reaches the user) and the same timeouts. The SDK's progress handling costs a few per cent of
 * a round trip on both ends of the pipe, which is the protocol's cost, not our code's; the call without those
 * options, on a third server process, is timed in the same rounds (`ratio_vs_plain`).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { everythingDef, rawStdioClient, type Ctx } from '../lib/common';
import { interleaved, p50, pairedRatio, percentile, ratio, timeMs } from '../lib/stats';

export interface McpCallResult {
  ours_p50_ms: number;
  ref_p50_ms: number;
  ours_p90_ms: number;
  ref_p90_ms: number;
  /** Median of per-call paired ratios (each ours call against the raw call next to it), all pairs pooled. */
  ratio: number;
  /** p50(ours) / p50(raw), all pairs pooled. */
  p50_ratio: number;
  /** The paired ratio of each server pair. */
  pair_ratios: number[];
  /** The raw call without progress or timeout options. */
  plain_p50_ms: number;
  ratio_vs_plain: number;
}

/** What AgentManager asks of every call (McpAgent `callToolOn`): progress, and a timeout that progress extends. */
const AS_OURS = { timeout: 60_000, onprogress: () => undefined, resetTimeoutOnProgress: true, maxTotalTimeout: 600_000 };

export async function benchMcpCall(ctx: Ctx): Promise<McpCallResult> {
  const { profile, log } = ctx;
  const ours: number[] = [];
  const refs: number[] = [];
  const plains: number[] = [];
  const pairRatios: number[] = [];
  for (let pair = 0; pair < profile.mcpPairs; pair++) {
    const manager = new AgentManager();
    let raw: Client | undefined;
    let plain: Client | undefined;
    try {
      await manager.apply([everythingDef('everything')]);
      const status = manager.servers()[0];
      if (status?.state !== 'connected') throw new Error(`everything server did not connect: ${status?.lastError ?? status?.state}`);
      [raw, plain] = await Promise.all([rawStdioClient(everythingDef('raw')), rawStdioClient(everythingDef('plain'))]);
      const [client, plainClient] = [raw, plain];
      const oursCall = (i: number) => timeMs(() => manager.callTool('everything__echo', { message: `m${i}` }));
      const refCall = (i: number) => timeMs(() => client.callTool({ name: 'echo', arguments: { message: `m${i}` } }, undefined, AS_OURS));
      const plainCall = (i: number) => timeMs(() => plainClient.callTool({ name: 'echo', arguments: { message: `m${i}` } }));
      await interleaved(profile.mcpWarmup, [oursCall, refCall, plainCall]);
      const [o, r, pl] = await interleaved(profile.mcpCalls, [oursCall, refCall, plainCall]);
      ours.push(...o);
      refs.push(...r);
      plains.push(...pl);
      pairRatios.push(pairedRatio(o, r));
      log(`  mcp echo pair ${pair + 1}/${profile.mcpPairs}: ours p50 ${p50(o).toFixed(3)} ms, raw SDK p50 ${p50(r).toFixed(3)} ms, paired ratio ${pairedRatio(o, r).toFixed(3)}`);
    } finally {
      await raw?.close().catch(() => undefined);
      await plain?.close().catch(() => undefined);
      await manager.dispose();
    }
  }
  const result: McpCallResult = {
    ours_p50_ms: p50(ours),
    ref_p50_ms: p50(refs),
    ours_p90_ms: percentile(ours, 90),
    ref_p90_ms: percentile(refs, 90),
    ratio: pairedRatio(ours, refs),
    p50_ratio: ratio(p50(ours), p50(refs)),
    pair_ratios: pairRatios,
    plain_p50_ms: p50(plains),
    ratio_vs_plain: pairedRatio(ours, plains),
  };
  log(`  mcp echo: ours p50 ${result.ours_p50_ms.toFixed(3)} ms, raw SDK p50 ${result.ref_p50_ms.toFixed(3)} ms, ratio ${result.ratio.toFixed(3)}; raw SDK without progress p50 ${result.plain_p50_ms.toFixed(3)} ms, ratio ${result.ratio_vs_plain.toFixed(3)} (${ours.length} calls each)`);
  return result;
}
