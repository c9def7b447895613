// In-host smoke suite: runs inside a real VS Code extension host (test/vscode/README.md).
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { OUR_EXTENSION_ID } from '../protocol';
import { activationTimes, launcher, metric, screenshot } from './helpers';

describe('MCP Agent in a real VS Code', () => {
  it('is installed', () => {
    const ext = vscode.extensions.getExtension(OUR_EXTENSION_ID);
    // In Restricted Mode (--trust) VS Code disables extensions that do not declare
    // capabilities.untrustedWorkspaces, and getExtension() then finds nothing.
    assert.ok(ext, `${OUR_EXTENSION_ID} is not installed or is disabled (workspace trusted: ${vscode.workspace.isTrusted})`);
    assert.equal(ext.packageJSON.name, 'mcp-agent');
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(OUR_EXTENSION_ID)!;
    const wasActive = ext.isActive;
    const started = performance.now();
    await ext.activate();
    const apiActivateMs = performance.now() - started;
    assert.equal(ext.isActive, true);

    if (!wasActive) metric('api_activate_ms', Math.round(apiActivateMs * 10) / 10);
    const times = activationTimes(OUR_EXTENSION_ID);
    if (times) {
      metric('activation_ms', times.activationMs);
      metric('activation_code_loading_ms', times.codeLoadingMs);
      metric('activation_activate_ms', times.activateMs);
      metric('activation_total_ms', times.totalMs);
    }
  });

  it('shows the workbench', async function () {
    if (launcher() !== 'code-server') this.skip(); // screenshots come from the browser code-server serves
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const saved = await screenshot('workbench');
    assert.ok(saved, 'the harness did not save a screenshot');
  });
});
