/**
 * Where the LLM settings come from. Layers, lowest priority first: a `.env` file, the process environment,
 * the config file's `llm` section, explicit overrides (CLI flags). The `.env` file is only read, never
 * written into `process.env`, so real environment variables always beat it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

export const DEFAULT_MODEL = 'gpt-4o-mini';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-small';
/** OpenAI rejects requests with more tools than this. */
export const MAX_TOOLS_LIMIT = 128;

const httpUrl = z
  .string()
  .trim()
  .refine((s) => parseHttpUrl(s) !== undefined, { message: 'must be an http(s) URL, e.g. http://localhost:11434/v1' });

/** The config file's `llm` section. Strict, so a misspelt key (`baseURL`) is reported instead of ignored. */
export const llmSectionSchema = z.strictObject({
  /** `vscode-lm` only works inside the editor; the CLI always uses an OpenAI-compatible endpoint. */
  provider: z.enum(['openai', 'vscode-lm']).optional(),
  baseUrl: httpUrl.optional(),
  model: z.string().trim().min(1).optional(),
  apiKey: z.string().trim().min(1).optional(),
  maxTools: z.number().int().min(1).max(MAX_TOOLS_LIMIT).optional(),
  embeddingModel: z.string().trim().min(1).optional(),
  /** Tokens the model takes, input and output together; unset: asked of the endpoint, or known for the family. */
  contextWindow: z.number().int().min(1024).max(10_000_000).optional(),
  /** Tokens kept free for the answer within the window; unset: an eighth of it, from 512 to 8192. */
  maxOutputTokens: z.number().int().min(64).max(1_000_000).optional(),
  /** The model takes images (tools' pictures go to it as images); unset: known from the model's family. */
  vision: z.boolean().optional(),
  /** US dollars per million tokens, for the conversation's cost; unset: tokens only. */
  pricing: z
    .strictObject({
      input: z.number().min(0),
      /** Prompt tokens read from the provider's cache; unset: billed as input. */
      cachedInput: z.number().min(0).optional(),
      output: z.number().min(0),
    })
    .optional(),
  /**
   * Reasoning goes back as `reasoning_content` on assistant messages with tool calls: `auto` for DeepSeek (its
   * thinking mode refuses tool turns without it), `always`, or `never` (endpoints that reject unknown fields).
   */
  sendReasoning: z.enum(['auto', 'always', 'never']).optional(),
  /** Sent as `reasoning_effort` to reasoning models; unset: the endpoint's default. */
  reasoningEffort: z.enum(['low', 'medium', 'high']).optional(),
});

export type LlmSection = z.infer<typeof llmSectionSchema>;
export type LlmProviderKind = NonNullable<LlmSection['provider']>;
export type SendReasoning = NonNullable<LlmSection['sendReasoning']>;
export type ReasoningEffort = NonNullable<LlmSection['reasoningEffort']>;
export type LlmSettingSource = 'default' | '.env' | 'env' | 'config' | 'override';

export interface LlmConfig {
  provider: LlmProviderKind;
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  maxTools: number;
  embeddingModel: string;
  sendReasoning: SendReasoning;
  reasoningEffort?: ReasoningEffort;
  /** Which layer each setting came from, for diagnostics (never show the key itself). */
  sources: Record<'provider' | 'baseUrl' | 'model' | 'apiKey' | 'maxTools' | 'embeddingModel', LlmSettingSource | 'unset'>;
}

export interface LlmConfigInputs {
  /** Directory whose `.env` is read (usually the workspace root); omitted: no `.env`. */
  envDir?: string;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The validated `llm` section of the config file. */
  section?: LlmSection;
  overrides?: LlmSection;
}

/** A setting that cannot be used as given; the message names the setting and where it came from. */
export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigError';
  }
}

export function resolveLlmConfig(inputs: LlmConfigInputs = {}): LlmConfig {
  const layers: [LlmSettingSource, LlmSection][] = [
    ['.env', inputs.envDir === undefined ? {} : sectionFromEnv(readDotEnv(inputs.envDir), '.env')],
    ['env', sectionFromEnv(inputs.env ?? process.env, 'environment')],
    ['config', inputs.section ?? {}],
    ['override', inputs.overrides ?? {}],
  ];
  const pick = <K extends keyof LlmSection>(key: K): [LlmSection[K] | undefined, LlmSettingSource | 'unset'] => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const [source, section] = layers[i];
      if (section[key] !== undefined) return [section[key], source];
    }
    return [undefined, 'unset'];
  };

  const [provider, providerSrc] = pick('provider');
  const [baseUrl, baseUrlSrc] = pick('baseUrl');
  const [model, modelSrc] = pick('model');
  const [apiKey, apiKeySrc] = pick('apiKey');
  const [maxTools, maxToolsSrc] = pick('maxTools');
  const [embeddingModel, embeddingSrc] = pick('embeddingModel');
  const [sendReasoning] = pick('sendReasoning');
  const [reasoningEffort] = pick('reasoningEffort');
  const orDefault = (src: LlmSettingSource | 'unset'): LlmSettingSource => (src === 'unset' ? 'default' : src);

  return {
    provider: provider ?? 'openai',
    baseUrl: normaliseBaseUrl(baseUrl ?? DEFAULT_BASE_URL, baseUrlSrc),
    model: model ?? DEFAULT_MODEL,
    ...(apiKey === undefined ? {} : { apiKey }),
    maxTools: maxTools ?? MAX_TOOLS_LIMIT,
    embeddingModel: embeddingModel ?? DEFAULT_EMBEDDING_MODEL,
    sendReasoning: sendReasoning ?? 'auto',
    ...(reasoningEffort === undefined ? {} : { reasoningEffort }),
    sources: {
      provider: orDefault(providerSrc),
      baseUrl: orDefault(baseUrlSrc),
      model: orDefault(modelSrc),
      apiKey: apiKeySrc,
      maxTools: orDefault(maxToolsSrc),
      embeddingModel: orDefault(embeddingSrc),
    },
  };
}

/** The variables of `<dir>/.env`, or none when there is no such file. */
export function readDotEnv(dir: string): Record<string, string> {
  const path = join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new LlmConfigError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) out[k] = v;
  return out;
}

/** The OpenAI variables of one environment layer; empty values count as unset. */
function sectionFromEnv(env: Record<string, string | undefined>, where: string): LlmSection {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  // OPENAI_BASE_URL is what the official SDKs read; OPENAI_API_BASE is the older name many tools still set.
  const baseUrl = get('OPENAI_BASE_URL') ?? get('OPENAI_API_BASE');
  if (baseUrl !== undefined && parseHttpUrl(baseUrl) === undefined) {
    const name = get('OPENAI_BASE_URL') !== undefined ? 'OPENAI_BASE_URL' : 'OPENAI_API_BASE';
    throw new LlmConfigError(`${name} (from the ${where}) is not an http(s) URL: "${baseUrl}". Example: http://localhost:11434/v1`);
  }
  const section: LlmSection = {};
  if (baseUrl !== undefined) section.baseUrl = baseUrl;
  const model = get('OPENAI_MODEL');
  if (model !== undefined) section.model = model;
  const apiKey = get('OPENAI_API_KEY');
  if (apiKey !== undefined) section.apiKey = apiKey;
  return section;
}

function normaliseBaseUrl(raw: string, source: LlmSettingSource | 'unset'): string {
  const url = parseHttpUrl(raw.trim());
  if (url === undefined) throw new LlmConfigError(`The LLM base URL (from ${source}) is not an http(s) URL: "${raw}".`);
  return url.href.replace(/\/+$/, '');
}

function parseHttpUrl(s: string): URL | undefined {
  try {
    const url = new URL(s);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** OpenAI's own platform, where a key is mandatory (local servers usually need none). */
export function isOpenAIPlatform(baseUrl: string): boolean {
  return parseHttpUrl(baseUrl)?.hostname === 'api.openai.com';
}

/** OpenAI's reasoning models (o1, o3, o4-mini, gpt-5...), also behind a router prefix (`openai/o3`). */
export function isOpenAIReasoningModel(model: string): boolean {
  return /(^|\/)(o1|o3|o4|gpt-5)([-.:_]|$)/i.test(model.trim());
}

/**
 * Whether stored reasoning goes back on assistant messages with tool calls. `auto`: only where the endpoint
 * requires it (DeepSeek's thinking mode), since other endpoints may reject the unknown field.
 */
export function sendsReasoning(mode: SendReasoning, model: string, baseUrl: string): boolean {
  if (mode !== 'auto') return mode === 'always';
  return /deepseek/i.test(model) || parseHttpUrl(baseUrl)?.hostname === 'api.deepseek.com';
}

/** One line for logs and `--verbose` output; says where the key came from, never what it is. */
export function describeLlmConfig(config: LlmConfig): string {
  const key = config.apiKey === undefined ? 'no API key' : `API key from ${config.sources.apiKey}`;
  return `${config.provider} model ${config.model} at ${config.baseUrl} (${key})`;
}
