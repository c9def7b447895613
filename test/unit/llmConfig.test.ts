import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_BASE_URL,
  DEFAULT_MODEL,
  describeLlmConfig,
  isOpenAIPlatform,
  LlmConfigError,
  llmSectionSchema,
  readDotEnv,
  resolveLlmConfig,
} from '../../src/core/llm/config.js';

describe('LLM config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llm-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const dotenv = (text: string): void => writeFileSync(join(dir, '.env'), text);

  it('defaults to gpt-4o-mini on api.openai.com with no key', () => {
    const c = resolveLlmConfig({ env: {} });
    assert.equal(c.model, DEFAULT_MODEL);
    assert.equal(c.model, 'gpt-4o-mini');
    assert.equal(c.baseUrl, DEFAULT_BASE_URL);
    assert.equal(c.apiKey, undefined);
    assert.equal(c.provider, 'openai');
    assert.equal(c.maxTools, 128);
    assert.equal(c.embeddingModel, 'text-embedding-3-small');
    assert.equal(c.sources.model, 'default');
    assert.equal(c.sources.apiKey, 'unset');
  });

  it('reads a .env file (quotes, comments, trailing slash) without touching the environment', () => {
    dotenv('# local settings\nOPENAI_API_KEY="sk-from-dotenv"\nOPENAI_MODEL=llama3.1 # inline comment\nOPENAI_BASE_URL=http://localhost:11434/v1/\n');
    const env: NodeJS.ProcessEnv = {};
    const c = resolveLlmConfig({ envDir: dir, env });
    assert.equal(c.apiKey, 'sk-from-dotenv');
    assert.equal(c.model, 'llama3.1');
    assert.equal(c.baseUrl, 'http://localhost:11434/v1', 'trailing slash removed');
    assert.equal(c.sources.apiKey, '.env');
    assert.deepEqual(env, {});
    assert.equal(process.env.OPENAI_API_KEY === 'sk-from-dotenv', false);
  });

  it('lets real environment variables beat the .env file', () => {
    dotenv('OPENAI_API_KEY=sk-dotenv\nOPENAI_MODEL=from-dotenv\n');
    const c = resolveLlmConfig({ envDir: dir, env: { OPENAI_API_KEY: 'sk-env' } });
    assert.equal(c.apiKey, 'sk-env');
    assert.equal(c.sources.apiKey, 'env');
    assert.equal(c.model, 'from-dotenv');
  });

  it('reads OPENAI_API_BASE, prefers OPENAI_BASE_URL in the same layer, and a higher layer wins either way', () => {
    assert.equal(resolveLlmConfig({ env: { OPENAI_API_BASE: 'http://a:1/v1' } }).baseUrl, 'http://a:1/v1');
    assert.equal(resolveLlmConfig({ env: { OPENAI_API_BASE: 'http://a:1/v1', OPENAI_BASE_URL: 'http://b:2/v1' } }).baseUrl, 'http://b:2/v1');
    dotenv('OPENAI_BASE_URL=http://dotenv:3/v1\n');
    assert.equal(resolveLlmConfig({ envDir: dir, env: { OPENAI_API_BASE: 'http://a:1/v1' } }).baseUrl, 'http://a:1/v1');
  });

  it('lets the config section beat the environment and overrides beat the config', () => {
    const env = { OPENAI_MODEL: 'env-model', OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'http://env:1/v1' };
    const section = { model: 'config-model', baseUrl: 'http://config:2/v1', maxTools: 40 };
    const c = resolveLlmConfig({ env, section });
    assert.equal(c.model, 'config-model');
    assert.equal(c.baseUrl, 'http://config:2/v1');
    assert.equal(c.apiKey, 'sk-env');
    assert.equal(c.maxTools, 40);
    const o = resolveLlmConfig({ env, section, overrides: { model: 'cli-model' } });
    assert.equal(o.model, 'cli-model');
    assert.equal(o.sources.model, 'override');
    assert.equal(o.sources.baseUrl, 'config');
  });

  it('treats empty variables as unset', () => {
    const c = resolveLlmConfig({ env: { OPENAI_API_KEY: '', OPENAI_MODEL: '  ' } });
    assert.equal(c.apiKey, undefined);
    assert.equal(c.model, DEFAULT_MODEL);
  });

  it('names the variable and its source when the base URL is not http(s)', () => {
    assert.throws(() => resolveLlmConfig({ env: { OPENAI_BASE_URL: 'localhost:1234' } }), (e: unknown) => e instanceof LlmConfigError && /OPENAI_BASE_URL \(from the environment\)/.test(e.message));
    dotenv('OPENAI_API_BASE=ftp://x/v1\n');
    assert.throws(() => resolveLlmConfig({ envDir: dir, env: {} }), (e: unknown) => e instanceof LlmConfigError && /OPENAI_API_BASE \(from the \.env\)/.test(e.message));
  });

  it('has no .env when the directory has none', () => {
    assert.deepEqual(readDotEnv(dir), {});
  });

  it('describes the config without the key', () => {
    const c = resolveLlmConfig({ env: { OPENAI_API_KEY: 'sk-very-secret-value' } });
    const line = describeLlmConfig(c);
    assert.ok(!line.includes('sk-very-secret-value'));
    assert.match(line, /API key from env/);
  });

  it('knows which base URLs are the OpenAI platform', () => {
    assert.equal(isOpenAIPlatform('https://api.openai.com/v1'), true);
    assert.equal(isOpenAIPlatform('http://localhost:11434/v1'), false);
    assert.equal(isOpenAIPlatform('https://api.openai.com.evil.example/v1'), false);
  });

  describe('schema of the llm section', () => {
    it('accepts a full section', () => {
      const parsed = llmSectionSchema.parse({ provider: 'openai', baseUrl: 'http://localhost:1234/v1', model: 'qwen2.5', apiKey: 'x', maxTools: 64, embeddingModel: 'nomic-embed-text' });
      assert.equal(parsed.maxTools, 64);
    });

    it('rejects a misspelt key, a bad URL, and too many tools, naming the path', () => {
      const bad = llmSectionSchema.safeParse({ baseURL: 'http://x/v1' });
      assert.equal(bad.success, false);
      assert.match(JSON.stringify(bad.error?.issues), /baseURL/);
      const url = llmSectionSchema.safeParse({ baseUrl: 'localhost:1234' });
      assert.equal(url.success, false);
      assert.deepEqual(url.error?.issues[0]?.path, ['baseUrl']);
      const max = llmSectionSchema.safeParse({ maxTools: 500 });
      assert.equal(max.success, false);
      assert.deepEqual(max.error?.issues[0]?.path, ['maxTools']);
      assert.equal(llmSectionSchema.safeParse({ provider: 'anthropic' }).success, false);
    });
  });
});
