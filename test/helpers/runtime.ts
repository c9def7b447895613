/**
 * An AgentRuntime on the scripted OpenAI-compatible endpoint, in a temporary workspace with its own cache and data
 * directories, every approval granted: what integration tests of the agent's turn build. The caller disposes it.
 */
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSettings } from '../../src/core/config/settings';
import { silentLogger, unattendedApprover } from '../../src/core/ports';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';

export async function scriptedRuntime(baseUrl: string, llm: Record<string, unknown>, name = 'runtime'): Promise<AgentRuntime> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mcp-agent-${name}-`));
  return new AgentRuntime(
    { logger: silentLogger, workspace: new NodeWorkspace(dir), commandRunner: new NodeCommandRunner(), approver: unattendedApprover(true), clientInfo: { name: 'test', version: '0' }, dirs: { cache: path.join(dir, 'cache'), data: path.join(dir, 'data') } },
    parseSettings({ llm: { baseUrl, apiKey: 'sk-test', ...llm } }),
  );
}
