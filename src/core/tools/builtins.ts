/** All built-in tools, wired to the ports a front provides. */
import type { Cache } from '../cache/Cache';
import type { CommandRunner, Logger, Workspace } from '../ports';
import { createAnalyzeCodeTool } from './analyzeCode';
import { createEditTools } from './editFile';
import { createRunCommandTool } from './runCommand';
import { createSearchTool } from './search';
import { createSystemInfoTool } from './systemInfo';
import type { BuiltinTool } from './types';

export interface BuiltinToolDeps {
  workspace: Workspace;
  commandRunner: CommandRunner;
  /** Secret values the agent holds (API key, tokens, inputs): commands must not inherit variables holding them. */
  secrets?: () => string[];
  /** ripgrep binary for `search` (VS Code passes its bundled one); default `rg` on PATH, else a Node fallback. */
  rgPath?: string;
  /** run_command's timeout; default 120 s. */
  commandTimeoutMs?: number;
  /** Directory with the tree-sitter .wasm files, for packaged builds without node_modules. */
  grammarDir?: string;
  logger?: Logger;
  /** Caches analyze_code results by file content. */
  cache?: Cache;
}

/** analyze_code, search, run_command, system_info, edit_file and write_file, in that order. */
export function createBuiltinTools(deps: BuiltinToolDeps): BuiltinTool[] {
  return [
    createAnalyzeCodeTool({ workspace: deps.workspace, grammarDir: deps.grammarDir, logger: deps.logger, cache: deps.cache }),
    createSearchTool({ workspace: deps.workspace, rgPath: deps.rgPath, logger: deps.logger }),
    createRunCommandTool({ workspace: deps.workspace, commandRunner: deps.commandRunner, timeoutMs: deps.commandTimeoutMs, secrets: deps.secrets }),
    createSystemInfoTool({ workspaceRoot: deps.workspace.root }),
    ...createEditTools({ workspace: deps.workspace }),
  ];
}
