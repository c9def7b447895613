/**
 * Commands never inherit the agent's secrets. The agent process holds the model API key, OAuth tokens and `${input:}`
 * values; a command the model runs could print them (`env`, `cat /proc/self/environ`) into its own context, which
 * then goes to the model endpoint and the conversation store. So a command's environment is the agent's minus every
 * variable whose name says it is a credential and every variable whose value is a known secret. Stdio servers get
 * the SDK's short safe list instead (McpAgent.ts); commands keep the rest of the user's environment (PATH, locale,
 * toolchain homes), which builds need.
 */

/** Names that hold credentials by convention. */
const SECRET_NAME = /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD_SECRET|CREDENTIALS?|AUTH|PRIVATE_KEY|SESSION|COOKIE|ACCESS_KEY(_ID)?|CLIENT_SECRET)(_|$)/i;

/** Names known to hold credentials or to redirect the agent, whatever they look like. */
const SECRET_NAMES = new Set([
  'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_ORGANIZATION', 'OPENAI_PROJECT', 'ANTHROPIC_API_KEY', 'AZURE_OPENAI_API_KEY',
  'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'MISTRAL_API_KEY', 'GROQ_API_KEY', 'DEEPSEEK_API_KEY', 'OPENROUTER_API_KEY', 'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN', 'GITLAB_TOKEN', 'NPM_TOKEN', 'NODE_AUTH_TOKEN', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'MCP_AGENT_TOKEN', 'MCP_AGENT_API_KEY', 'VSCODE_GIT_ASKPASS_MAIN',
  'VSCODE_GIT_IPC_HANDLE', 'VSCODE_GIT_ASKPASS_NODE', 'VSCODE_GIT_ASKPASS_EXTRA_ARGS', 'GIT_ASKPASS', 'SSH_ASKPASS',
]);

/** Names that look secret but are not, and that tools need. */
const KEEP = new Set(['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'XAUTHORITY', 'KEYTIMEOUT', 'PASSWORD_STORE_DIR', 'GNUPGHOME', 'XDG_SESSION_TYPE', 'XDG_SESSION_ID', 'XDG_SESSION_CLASS', 'XDG_SESSION_DESKTOP', 'DBUS_SESSION_BUS_ADDRESS', 'KEYMAP']);

/** The variables of `env` a command must not see, given the secret values the agent knows (the API key, tokens, inputs). */
export function secretEnvNames(env: NodeJS.ProcessEnv, secretValues: string[] = []): string[] {
  const values = secretValues.filter((v) => v.length >= 8);
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || KEEP.has(name)) continue;
    if (SECRET_NAMES.has(name.toUpperCase()) || SECRET_NAME.test(name) || values.some((v) => value.includes(v))) out.push(name);
  }
  return out;
}

/** `env` without the named variables and without anything secret by name or value. */
export function commandEnvironment(env: NodeJS.ProcessEnv, hide: string[] = [], secretValues: string[] = []): NodeJS.ProcessEnv {
  const drop = new Set([...hide, ...secretEnvNames(env, secretValues)]);
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!drop.has(k)) out[k] = v;
  return out;
}
