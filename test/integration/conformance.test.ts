/**
 * The official MCP conformance suite's client scenarios, with `mcp-agent conformance` (our CLI, on our MCP layer)
 * as the client. The suite needs Node >= 22; test/helpers/conformance.ts installs it and Node 24 from npm.
 */
import * as assert from 'node:assert/strict';
import { describeResult, ensureConformance, runClientScenario, type ConformanceToolchain } from '../helpers/conformance';
import { CLI } from '../helpers/servers';

/** Scenarios the client passes. The auth/* scenarios come with OAuth support (see docs/CONFORMANCE.md). */
const SCENARIOS = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];

describe('MCP conformance suite (client scenarios)', function () {
  this.timeout(180_000);
  let toolchain: ConformanceToolchain | undefined;

  before(async function () {
    const tc = await ensureConformance();
    if ('skip' in tc) {
      console.log(`      skipping the conformance suite: ${tc.skip}`);
      this.skip();
    }
    toolchain = tc;
  });

  for (const scenario of SCENARIOS) {
    it(`passes ${scenario}`, async () => {
      const result = await runClientScenario(scenario, [process.execPath, CLI, 'conformance'], { toolchain });
      assert.ok(result.passed, describeResult(result));
      assert.ok(result.checks?.some((c) => c.status === 'SUCCESS'), describeResult(result));
    });
  }
});
