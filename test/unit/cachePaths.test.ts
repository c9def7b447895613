import assert from 'node:assert/strict';
import { resolveCacheDir, resolveDataDir } from '../../src/core/util/paths';

describe('cache and data directories', () => {
  const home = '/home/u';
  const winHome = 'C:\\Users\\u';

  it('honours MCP_AGENT_CACHE_DIR and MCP_AGENT_DATA_DIR first', () => {
    const env = { MCP_AGENT_CACHE_DIR: '/srv/c', MCP_AGENT_DATA_DIR: '/srv/d', XDG_CACHE_HOME: '/x', XDG_DATA_HOME: '/y' };
    assert.equal(resolveCacheDir({ env, platform: 'linux', homedir: home }), '/srv/c');
    assert.equal(resolveDataDir({ env, platform: 'darwin', homedir: home }), '/srv/d');
  });

  it('uses XDG on Linux, falling back to ~/.cache and ~/.local/share', () => {
    assert.equal(resolveCacheDir({ env: { XDG_CACHE_HOME: '/xc' }, platform: 'linux', homedir: home }), '/xc/mcp-agent');
    assert.equal(resolveDataDir({ env: { XDG_DATA_HOME: '/xd' }, platform: 'linux', homedir: home }), '/xd/mcp-agent');
    assert.equal(resolveCacheDir({ env: {}, platform: 'linux', homedir: home }), '/home/u/.cache/mcp-agent');
    assert.equal(resolveDataDir({ env: {}, platform: 'linux', homedir: home }), '/home/u/.local/share/mcp-agent');
    // The XDG spec says relative values are invalid and must be ignored; empty ones too.
    assert.equal(resolveCacheDir({ env: { XDG_CACHE_HOME: 'rel' }, platform: 'linux', homedir: home }), '/home/u/.cache/mcp-agent');
    assert.equal(resolveDataDir({ env: { XDG_DATA_HOME: '' }, platform: 'linux', homedir: home }), '/home/u/.local/share/mcp-agent');
  });

  it('uses ~/Library on macOS', () => {
    assert.equal(resolveCacheDir({ env: {}, platform: 'darwin', homedir: home }), '/home/u/Library/Caches/mcp-agent');
    assert.equal(resolveDataDir({ env: {}, platform: 'darwin', homedir: home }), '/home/u/Library/Application Support/mcp-agent');
  });

  it('uses LOCALAPPDATA and APPDATA on Windows', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' };
    assert.equal(resolveCacheDir({ env, platform: 'win32', homedir: winHome }), 'C:\\Users\\u\\AppData\\Local\\mcp-agent\\Cache');
    assert.equal(resolveDataDir({ env, platform: 'win32', homedir: winHome }), 'C:\\Users\\u\\AppData\\Roaming\\mcp-agent');
    assert.equal(resolveCacheDir({ env: {}, platform: 'win32', homedir: winHome }), 'C:\\Users\\u\\AppData\\Local\\mcp-agent\\Cache');
    assert.equal(resolveDataDir({ env: {}, platform: 'win32', homedir: winHome }), 'C:\\Users\\u\\AppData\\Roaming\\mcp-agent');
  });
});
