/**
 * Where the agent keeps its cache and its data (conversations). Both honour an environment override first, then the
 * platform's convention. Inputs are injectable so tests can cover every platform from one machine.
 */
import os from 'node:os';
import path from 'node:path';

export interface PathEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}

const APP = 'mcp-agent';

/** A usable env value: set, non-empty and absolute (a relative XDG path is invalid per the spec and is ignored). */
function absEnv(env: NodeJS.ProcessEnv, name: string, pathImpl: path.PlatformPath): string | undefined {
  const v = env[name];
  return v !== undefined && v.trim() !== '' && pathImpl.isAbsolute(v) ? v : undefined;
}

function resolveInputs(opts: PathEnv): { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; home: string; p: path.PlatformPath } {
  const platform = opts.platform ?? process.platform;
  return {
    env: opts.env ?? process.env,
    platform,
    home: opts.homedir ?? os.homedir(),
    // Use the target platform's path rules so a Windows layout is computed correctly even in tests on Linux.
    p: platform === 'win32' ? path.win32 : path.posix,
  };
}

/**
 * Cache directory: `MCP_AGENT_CACHE_DIR`, else `$XDG_CACHE_HOME/mcp-agent` or `~/.cache/mcp-agent` (Linux and other
 * Unix), `~/Library/Caches/mcp-agent` (macOS), `%LOCALAPPDATA%\mcp-agent\Cache` (Windows).
 */
export function resolveCacheDir(opts: PathEnv = {}): string {
  const { env, platform, home, p } = resolveInputs(opts);
  const override = env.MCP_AGENT_CACHE_DIR;
  if (override !== undefined && override.trim() !== '') return p.resolve(override);
  if (platform === 'darwin') return p.join(home, 'Library', 'Caches', APP);
  if (platform === 'win32') {
    const base = absEnv(env, 'LOCALAPPDATA', p) ?? p.join(home, 'AppData', 'Local');
    return p.join(base, APP, 'Cache');
  }
  return p.join(absEnv(env, 'XDG_CACHE_HOME', p) ?? p.join(home, '.cache'), APP);
}

/**
 * Data directory: `MCP_AGENT_DATA_DIR`, else `$XDG_DATA_HOME/mcp-agent` or `~/.local/share/mcp-agent` (Linux and
 * other Unix), `~/Library/Application Support/mcp-agent` (macOS), `%APPDATA%\mcp-agent` (Windows).
 */
export function resolveDataDir(opts: PathEnv = {}): string {
  const { env, platform, home, p } = resolveInputs(opts);
  const override = env.MCP_AGENT_DATA_DIR;
  if (override !== undefined && override.trim() !== '') return p.resolve(override);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', APP);
  if (platform === 'win32') {
    const base = absEnv(env, 'APPDATA', p) ?? p.join(home, 'AppData', 'Roaming');
    return p.join(base, APP);
  }
  return p.join(absEnv(env, 'XDG_DATA_HOME', p) ?? p.join(home, '.local', 'share'), APP);
}
