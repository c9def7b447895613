/** The system_info tool: what machine the agent and its commands run on. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { jsonResult, type BuiltinTool } from './types';

export interface DiskInfo {
  path: string;
  totalBytes: number;
  freeBytes: number;
  /** Free to unprivileged users (what a build can actually use). */
  availableBytes: number;
  total: string;
  available: string;
}

export interface SystemInfo {
  os: { platform: NodeJS.Platform; type: string; release: string; version: string; arch: string; hostname: string };
  cpu: { model: string; cores: number; loadAverage: number[]; loadAverageNote?: string };
  memory: { totalBytes: number; freeBytes: number; total: string; free: string };
  disk: DiskInfo | { path: string; error: string };
  node: { version: string; execPath: string };
  uptime: { systemSeconds: number; processSeconds: number };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

async function diskInfo(dir: string): Promise<SystemInfo['disk']> {
  try {
    const s = await fs.promises.statfs(dir);
    const totalBytes = s.blocks * s.bsize;
    const availableBytes = s.bavail * s.bsize;
    return { path: dir, totalBytes, freeBytes: s.bfree * s.bsize, availableBytes, total: formatBytes(totalBytes), available: formatBytes(availableBytes) };
  } catch (err) {
    return { path: dir, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function collectSystemInfo(workspaceRoot: string): Promise<SystemInfo> {
  const cpus = os.cpus();
  const totalMem = os.totalmem();
  const freeMem = os.freemem();
  const cpu: SystemInfo['cpu'] = { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length || os.availableParallelism(), loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100) };
  if (process.platform === 'win32') cpu.loadAverageNote = 'Windows does not report load averages; these are always 0.';
  return {
    os: { platform: process.platform, type: os.type(), release: os.release(), version: os.version(), arch: os.arch(), hostname: os.hostname() },
    cpu,
    memory: { totalBytes: totalMem, freeBytes: freeMem, total: formatBytes(totalMem), free: formatBytes(freeMem) },
    disk: await diskInfo(workspaceRoot),
    node: { version: process.version, execPath: process.execPath },
    uptime: { systemSeconds: Math.round(os.uptime()), processSeconds: Math.round(process.uptime()) },
  };
}

export function createSystemInfoTool(deps: { workspaceRoot: string }): BuiltinTool {
  return {
    spec: {
      name: 'system_info',
      description:
        'Describe the machine the workspace and commands live on: operating system (platform, release, architecture, hostname), ' +
        'CPU (model, cores, load average), memory (total, free), disk space for the workspace, the Node.js version and uptimes. ' +
        'Use it before choosing platform-specific commands or when a build may be short of memory or disk.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: { title: 'System information', readOnlyHint: true, openWorldHint: false },
    },
    async run() {
      return jsonResult(await collectSystemInfo(deps.workspaceRoot));
    },
  };
}
