/** The run_command tool: one shell command line in the workspace, through the CommandRunner port. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandOutput, CommandRunner, Workspace } from '../ports';
import { secretEnvNames } from './commandEnv';
import { textResult, type BuiltinTool } from './types';
import { resolveRealInsideWorkspace } from './workspacePath';

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export interface RunCommandToolDeps {
  workspace: Workspace;
  commandRunner: CommandRunner;
  /** Default 120 s. */
  timeoutMs?: number;
  /** Secret values (API key, tokens, inputs): environment variables holding them are hidden from the command. */
  secrets?: () => string[];
}

/**
 * The working directory: a real directory inside the workspace by its real path (a symlink leading out is refused),
 * returned as that real path, which the runner passes as the process's or terminal's directory.
 */
export async function resolveCommandCwd(root: string, cwd: string | undefined): Promise<string> {
  const real = await resolveRealInsideWorkspace(root, cwd ?? '.', 'working directory');
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(real);
  } catch {
    throw new Error(`The working directory ${JSON.stringify(cwd)} does not exist.`);
  }
  if (!stat.isDirectory()) throw new Error(`The working directory ${JSON.stringify(cwd)} is not a directory.`);
  return real;
}

/** The text the model reads: exit status first, then notes, then the output. */
export function formatCommandOutput(result: CommandOutput, timeoutMs: number, cwdLabel?: string): string {
  const lines: string[] = [];
  if (cwdLabel) lines.push(`Directory: ${cwdLabel}`);
  lines.push(`Exit code: ${result.exitCode ?? 'none'}`);
  if (result.timedOut) lines.push(`Timed out after ${formatDuration(timeoutMs)}: the command and every process it started were killed.`);
  if (result.note) lines.push(`Note: ${result.note}`);
  lines.push(result.output.trim() === '' ? 'Output: (none)' : `Output:\n${result.output.replace(/\s+$/, '')}`);
  return lines.join('\n');
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

export function createRunCommandTool(deps: RunCommandToolDeps): BuiltinTool {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return {
    spec: {
      name: 'run_command',
      description:
        `Run one shell command line in the user's workspace and return its exit code and combined stdout and stderr. ` +
        `The command runs non-interactively (no input can be typed; use flags like --yes, and avoid pagers and watch modes) ` +
        `and is killed with everything it started after ${formatDuration(timeoutMs)}. Long output is cut in the middle, keeping ` +
        `the start and the end. Use it to build, test, lint, run git or inspect the system; prefer the search and ` +
        `analyze_code tools for reading code. The user may be asked to approve each command.`,
      inputSchema: {
        type: 'object',
        properties: {
          command: { type: 'string', description: 'The command line, as typed in a shell (pipes and && work).' },
          cwd: { type: 'string', description: 'Working directory relative to the workspace root (default: the root). Must be an existing directory inside the workspace. Use this instead of `cd`.' },
        },
        required: ['command'],
        additionalProperties: false,
      },
      annotations: { title: 'Run command', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async run(args, ctx) {
      const command = args.command;
      if (typeof command !== 'string' || command.trim() === '') return textResult('run_command needs a non-empty "command" string.', true);
      if (args.cwd !== undefined && typeof args.cwd !== 'string') return textResult('"cwd" must be a string path inside the workspace.', true);
      let cwd: string;
      try {
        cwd = await resolveCommandCwd(deps.workspace.root, args.cwd);
      } catch (err) {
        return textResult(`${(err as Error).message} Commands can only run in a directory inside the workspace.`, true);
      }
      let result: CommandOutput;
      try {
        const hideEnv = secretEnvNames(process.env, deps.secrets?.() ?? []);
        result = await deps.commandRunner.run(command, { cwd, timeoutMs, signal: ctx.signal, hideEnv });
      } catch (err) {
        if (isAbort(err) || ctx.signal?.aborted) throw err; // cancellation belongs to the caller, not the model
        return textResult(`The command could not run: ${err instanceof Error ? err.message : String(err)}`, true);
      }
      const realRoot = await fs.promises.realpath(deps.workspace.root).catch(() => path.resolve(deps.workspace.root));
      const rel = path.relative(realRoot, cwd);
      const text = formatCommandOutput(result, timeoutMs, rel === '' ? undefined : rel.split(path.sep).join('/'));
      return textResult(text, result.exitCode !== 0);
    },
  };
}
