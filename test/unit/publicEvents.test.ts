/**
 * The HTTP API's SSE events and `mcp-agent chat --json` lines are public: these are their exact shapes. A change here
 * is a change of the API: update the README's "Events" section and the changelog with it.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentEvent } from '../../src/core/agent/ChatSession';
import { publicEvent } from '../../src/core/agent/publicEvents';

const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };

const cases: Array<[AgentEvent, unknown]> = [
  [{ type: 'text', delta: 'Hi' }, { type: 'text', delta: 'Hi' }],
  [{ type: 'reasoning', delta: 'Let me think' }, { type: 'reasoning', delta: 'Let me think' }],
  [
    { type: 'tool_call', id: 'c1', name: 'fs__read', arguments: { path: 'a' }, server: 'fs' },
    { type: 'tool_call', id: 'c1', name: 'fs__read', server: 'fs', arguments: { path: 'a' } },
  ],
  [
    { type: 'approval', id: 'c1', request: { kind: 'command', tool: 'run_command', summary: 'ls', args: { command: 'ls' }, callId: 'c1' } },
    { type: 'approval', id: 'c1', request: { kind: 'command', tool: 'run_command', summary: 'ls', args: { command: 'ls' } } },
  ],
  [
    { type: 'progress', id: 'c1', progress: 1, total: 2, message: 'half' },
    { type: 'progress', id: 'c1', progress: 1, total: 2, message: 'half' },
  ],
  [
    { type: 'tool_result', id: 'c1', name: 'fs__read', server: 'fs', isError: false, content: 'text', truncated: true, durationMs: 3, result: { content: [{ type: 'text', text: 'text' }] } },
    { type: 'tool_result', id: 'c1', name: 'fs__read', server: 'fs', isError: false, content: 'text', truncated: true, durationMs: 3 },
  ],
  [
    {
      type: 'approval',
      id: 'c2',
      request: { kind: 'edit', tool: 'edit_file', summary: 'edit_file a.ts', args: { path: 'a.ts' }, change: { path: 'a.ts', before: 'x', after: 'y', diff: '-x\n+y' } },
    },
    { type: 'approval', id: 'c2', request: { kind: 'edit', tool: 'edit_file', summary: 'edit_file a.ts', args: { path: 'a.ts' }, diff: '-x\n+y' } },
  ],
  [{ type: 'checkpoint', id: 'abc123' }, { type: 'checkpoint', id: 'abc123' }],
  [{ type: 'usage', usage }, { type: 'usage', usage }],
  [
    { type: 'context', report: { window: 16384, windowSource: 'endpoint', budget: 13000, used: 5120, breakdown: { system: 900, tools: 1200, history: 2000, results: 1020 }, exact: true, stubbed: 1, dropped: 0, shortened: 0, summarized: 12 } },
    { type: 'context', report: { window: 16384, windowSource: 'endpoint', budget: 13000, used: 5120, breakdown: { system: 900, tools: 1200, history: 2000, results: 1020 }, exact: true, stubbed: 1, dropped: 0, shortened: 0, summarized: 12 } },
  ],
  [{ type: 'context', note: 'compacted' }, { type: 'context', note: 'compacted' }],
  [
    { type: 'error', message: 'no key', kind: 'auth' },
    { type: 'error', message: 'no key', kind: 'auth' },
  ],
  [
    { type: 'done', text: 'Hi', conversation_id: 'x', stopReason: 'completed', usage },
    { type: 'done', text: 'Hi', conversation_id: 'x', stopReason: 'completed', usage },
  ],
  [
    { type: 'done', text: 'Hi', stopReason: 'completed', usage: { ...usage, cachedTokens: 4 }, totals: { promptTokens: 30, completionTokens: 9, cachedTokens: 4, totalTokens: 39, turns: 2, cost: 0.00012 } },
    { type: 'done', text: 'Hi', stopReason: 'completed', usage: { ...usage, cachedTokens: 4 }, totals: { promptTokens: 30, completionTokens: 9, cachedTokens: 4, totalTokens: 39, turns: 2, cost: 0.00012 } },
  ],
];

describe('public events (SSE and --json)', () => {
  for (const [internal, expected] of cases) {
    it(`${internal.type}: exactly these fields`, () => {
      // Compared as JSON text: key order is part of what clients see.
      assert.equal(JSON.stringify(publicEvent(internal)), JSON.stringify(expected));
    });
  }

  it('leaves out fields that are not set, rather than sending null', () => {
    assert.deepEqual(publicEvent({ type: 'tool_call', id: 'c', name: 'search', arguments: {} }), { type: 'tool_call', id: 'c', name: 'search', arguments: {} });
    assert.deepEqual(publicEvent({ type: 'error', message: 'x' }), { type: 'error', message: 'x' });
  });

  it('the README documents every public event type', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Events'));
    assert.ok(readme.includes('### Events'), 'README has an "Events" section');
    for (const [internal] of cases) assert.match(section, new RegExp(`\`${internal.type}\``), `README documents "${internal.type}"`);
  });
});
