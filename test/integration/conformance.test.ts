/**
 * The official MCP conformance suite's client scenarios, with `mcp-agent conformance` (our CLI, on our MCP layer and
 * OAuth code) as the client. The suite needs Node >= 22; test/helpers/conformance.ts installs it and Node 24 from npm.
 * Scenarios run one after another (~2 s each). See docs/CONFORMANCE.md.
 */
import * as assert from 'node:assert/strict';
import { describeResult, ensureConformance, runClientScenario, type ConformanceToolchain } from '../helpers/conformance';
import { CLI } from '../helpers/servers';

const CORE = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];

const AUTH = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/cross-app-access-complete-flow',
];

/**
 * Scenarios known to fail, each with the reason. The test asserts they still fail, so a fix shows up as a failing
 * test that asks for the entry to be removed (like the suite's own --expected-failures baseline).
 */
const EXPECTED_FAILURES: Record<string, string> = {};

/** Bearer tokens the mock authorization servers issue; none may appear in what the client prints, even with --verbose. */
const TOKEN_RE = /\b(?:test-token|cc-token)-\d+/;

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

  for (const scenario of [...CORE, ...AUTH]) {
    const expected = EXPECTED_FAILURES[scenario];
    const auth = scenario.startsWith('auth/');
    it(expected ? `still fails ${scenario} (expected: ${expected})` : `passes ${scenario}`, async () => {
      // --verbose for auth: the client logs its OAuth steps, and the check below proves no token is among them.
      const cmd = [process.execPath, CLI, 'conformance', ...(auth ? ['--verbose'] : [])];
      const result = await runClientScenario(scenario, cmd, { toolchain });
      if (expected) {
        assert.equal(result.passed, false, `${scenario} passes now: remove it from EXPECTED_FAILURES\n${describeResult(result)}`);
        return;
      }
      assert.ok(result.passed, describeResult(result));
      assert.ok(result.checks?.some((c) => c.status === 'SUCCESS'), describeResult(result));
      if (auth) {
        const printed = `${result.clientStdout ?? ''}\n${result.clientStderr ?? ''}`;
        assert.doesNotMatch(printed, TOKEN_RE, 'the client printed a bearer token');
        assert.doesNotMatch(printed, /authorization:\s*(bearer|basic)\s+\S/i, 'the client printed an Authorization header');
      }
    });
  }
});
