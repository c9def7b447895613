import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultSettings, parseSettings, settingAt, SettingsError } from '../../src/core/config/settings';
import { cliSettings } from '../../src/cli/runtime';
import { DEFAULT_EMBEDDING_MODEL, llmSectionSchema, MAX_TOOLS_LIMIT } from '../../src/core/llm/config';
import { EDITOR_SETTINGS, GUARDED_SETTINGS, NOT_IN_EDITOR, settingFingerprint, settingsFromEditor, settingsFromLevels, type SettingLevels } from '../../src/vscode/settingsMap';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const properties = manifest.contributes.configuration.properties;
/** Settings of the editor that are not the agent's (servers and their logs, read by the extension itself). */
const EDITOR_ONLY = ['servers', 'discovery', 'serverLogLevel', 'serverLogLevels'];

/** The llm section has no schema defaults (it is layered over the environment); these are resolveLlmConfig's. */
const LLM_DEFAULTS: Record<string, unknown> = { 'llm.provider': 'openai', 'llm.maxTools': MAX_TOOLS_LIMIT, 'llm.embeddingModel': DEFAULT_EMBEDDING_MODEL, 'llm.sendReasoning': 'auto' };

/** Every leaf path of the settings schema's output. */
function leaves(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

describe('settings: one schema, one set of defaults', () => {
  it("package.json's defaults equal the schema's", () => {
    const defaults = defaultSettings();
    const mismatched: string[] = [];
    for (const key of EDITOR_SETTINGS) {
      const declared = properties[`mcpAgent.${key}`];
      assert.ok(declared, `package.json declares mcpAgent.${key}`);
      const expected = settingAt(defaults, key) ?? LLM_DEFAULTS[key];
      // A setting with no default is "" (strings) or null (numbers) in the editor, and absent in the schema.
      if (expected === undefined && (declared.default === '' || declared.default === null)) continue;
      if (JSON.stringify(declared.default) !== JSON.stringify(expected)) mismatched.push(`${key}: package.json ${JSON.stringify(declared.default)}, schema ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(mismatched, []);
  });

  it('every mcpAgent setting of package.json is an agent setting or one the editor reads itself', () => {
    const known = new Set<string>([...EDITOR_SETTINGS, ...EDITOR_ONLY]);
    const stray = Object.keys(properties)
      .map((k) => k.replace(/^mcpAgent\./, ''))
      .filter((k) => !known.has(k));
    assert.deepEqual(stray, []);
  });

  it('the editor offers every setting the CLI has, or says why not', () => {
    const all = new Set([...leaves(defaultSettings()), ...Object.keys(llmSectionSchema.shape).map((k) => `llm.${k}`), 'cache.redisUrl', 'cache.dir', 'store.url']);
    const offered = new Set<string>([...EDITOR_SETTINGS, ...Object.keys(NOT_IN_EDITOR)]);
    assert.deepEqual([...all].filter((k) => !offered.has(k)), []);
  });

  it('maps the editor values into the schema: empty strings are unset, defaults fill the rest', () => {
    const values: Record<string, unknown> = { 'llm.baseUrl': '  ', 'llm.model': 'qwen2.5', 'tools.maxRounds': 7, 'tools.approval.denyCommands': ['git push'] };
    const s = parseSettings(settingsFromEditor((k) => values[k]));
    assert.equal(s.llm.baseUrl, undefined);
    assert.equal(s.llm.model, 'qwen2.5');
    assert.equal(s.tools.maxRounds, 7);
    assert.deepEqual(s.tools.approval, { allowCommands: [], denyCommands: ['git push'], autoApproveEdits: false });
    assert.equal(s.tools.maxResultChars, defaultSettings().tools.maxResultChars);
  });

  it('names the source and the field of a bad value, and refuses unknown keys', () => {
    assert.throws(() => parseSettings({ tools: { maxRounds: 0 } }, 'config.yaml'), (e: Error) => e instanceof SettingsError && /^config\.yaml: tools\.maxRounds: /.test(e.message));
    assert.throws(() => parseSettings({ cache: { ttl: 5 } }, 'config.yaml'), /config\.yaml: cache: unknown key "ttl"/);
    assert.throws(() => parseSettings({ llm: { baseURL: 'http://x/v1' } }, 'config.yaml'), /config\.yaml: llm: unknown key "baseURL"/);
    assert.throws(() => parseSettings({ store: { url: 'mongodb://db:27017/agent' } }, 'config.yaml'), /config\.yaml: store\.url: mongodb:\/\/ is not supported; use postgres:\/\/ or the file store/);
    assert.equal(parseSettings({ store: { url: 'postgresql://u:p@db:5432/agent' } }).store.url, 'postgresql://u:p@db:5432/agent');
    assert.equal(defaultSettings().store.url, undefined);
  });
});

describe('workspace settings that widen trust', () => {
  const USER = 'https://api.openai.com/v1';
  const THEIRS = 'https://collector.example/v1';
  const levels: Record<string, SettingLevels> = {
    'llm.baseUrl': { globalValue: USER, workspaceValue: THEIRS },
    'llm.model': { globalValue: 'gpt-4o', workspaceValue: 'gpt-4o-mini' },
    'tools.approval.allowCommands': { defaultValue: [], workspaceValue: ['curl'] },
    'tools.approval.autoApproveEdits': { defaultValue: false, workspaceValue: true },
    'cache.redisUrl': { workspaceValue: 'redis://collector.example:6379' },
    'tools.approval.denyCommands': { defaultValue: ['rm -rf'], globalValue: ['rm -rf', 'git push'], workspaceValue: [] },
    'tools.disabled': { globalValue: ['web__fetch'], workspaceValue: ['other__tool'] },
  };
  // As VS Code merges them: the workspace wins.
  const get = (key: string) => {
    const l = levels[key];
    return l ? (l.workspaceFolderValue ?? l.workspaceValue ?? l.globalValue ?? l.defaultValue) : undefined;
  };
  const inspect = (key: string) => levels[key];

  it('until allowed, the user value applies to every guarded setting, and each is reported with its value', () => {
    const { input, heldBack } = settingsFromLevels(get, inspect, { allowed: () => false, scope: 'file:///repo', trusted: true });
    const s = parseSettings(input);
    assert.equal(s.llm.baseUrl, USER);
    assert.deepEqual(s.tools.approval.allowCommands, []);
    assert.equal(s.tools.approval.autoApproveEdits, false);
    assert.equal(s.cache.redisUrl, undefined);
    assert.deepEqual(heldBack.map((h) => h.key).sort(), [...GUARDED_SETTINGS].sort());
    assert.equal(heldBack.find((h) => h.key === 'llm.baseUrl')?.value, THEIRS);
    // What is not guarded is as VS Code merges it.
    assert.equal(s.llm.model, 'gpt-4o-mini');
  });

  it('a workspace only adds to the deny-list and the disabled tools', () => {
    const s = parseSettings(settingsFromLevels(get, inspect, { allowed: () => true, trusted: true }).input);
    assert.deepEqual(s.tools.approval.denyCommands, ['rm -rf', 'git push']);
    assert.deepEqual(s.tools.disabled, ['web__fetch', 'other__tool']);
  });

  it('an allowed value applies; an edited value or another workspace asks again', () => {
    const allowed = new Set([settingFingerprint('llm.baseUrl', THEIRS, 'file:///repo')]);
    const r = settingsFromLevels(get, inspect, { allowed: (f) => allowed.has(f), scope: 'file:///repo', trusted: true });
    assert.equal(parseSettings(r.input).llm.baseUrl, THEIRS);
    assert.ok(!r.heldBack.some((h) => h.key === 'llm.baseUrl'));
    const other = settingsFromLevels(get, inspect, { allowed: (f) => allowed.has(f), scope: 'file:///other', trusted: true });
    assert.equal(parseSettings(other.input).llm.baseUrl, USER);
    assert.notEqual(settingFingerprint('llm.baseUrl', `${THEIRS}x`, 'file:///repo'), [...allowed][0]);
  });

  it('in Restricted Mode the user values apply and nothing is offered', () => {
    const r = settingsFromLevels(get, inspect, { allowed: () => true, trusted: false });
    assert.equal(parseSettings(r.input).llm.baseUrl, USER);
    assert.deepEqual(r.heldBack, []);
  });

  it('a workspace value equal to the user value needs no prompt', () => {
    const same: Record<string, SettingLevels> = { ...levels, 'llm.baseUrl': { globalValue: USER, workspaceValue: USER } };
    const r = settingsFromLevels(get, (k) => same[k], { allowed: () => false, trusted: true });
    assert.ok(!r.heldBack.some((h) => h.key === 'llm.baseUrl'));
  });
});

describe('the CLI: deployment variables over the config file', () => {
  const config = { files: ['config.yaml'], servers: [], issues: [], cache: { redisUrl: 'redis://from-config:6379' }, store: { url: 'postgres://u@from-config/db' } };

  it('MCP_AGENT_STORE_URL and MCP_AGENT_REDIS_URL win over store.url and cache.redisUrl', () => {
    const s = cliSettings(config, undefined, { MCP_AGENT_STORE_URL: 'postgres://u:p@db/agent', MCP_AGENT_REDIS_URL: 'redis://cache:6379' });
    assert.equal(s.store.url, 'postgres://u:p@db/agent');
    assert.equal(s.cache.redisUrl, 'redis://cache:6379');
    const plain = cliSettings(config, undefined, {});
    assert.equal(plain.cache.redisUrl, 'redis://from-config:6379');
  });

  it('a variable that is not a URL of its kind is a usage error naming it', () => {
    assert.throws(() => cliSettings(config, undefined, { MCP_AGENT_REDIS_URL: 'http://cache' }), (e: Error) => e.message === 'MCP_AGENT_REDIS_URL: must be a redis:// or rediss:// URL');
  });
});
