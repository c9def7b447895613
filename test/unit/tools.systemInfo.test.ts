import assert from 'node:assert/strict';
import * as os from 'node:os';
import { collectSystemInfo, createSystemInfoTool, formatBytes, type SystemInfo } from '../../src/core/tools/systemInfo';

describe('system_info', () => {
  it('reports OS, CPU, memory, disk, Node and uptime from the live system', async () => {
    const info = await collectSystemInfo(os.tmpdir());
    assert.equal(info.os.platform, process.platform);
    assert.equal(info.os.arch, process.arch);
    assert.equal(info.os.hostname, os.hostname());
    assert.equal(info.os.release, os.release());
    assert.ok(info.cpu.cores >= 1);
    assert.ok(info.cpu.model.length > 0);
    assert.equal(info.cpu.loadAverage.length, 3);
    assert.equal(info.memory.totalBytes, os.totalmem());
    assert.ok(info.memory.freeBytes > 0 && info.memory.freeBytes <= info.memory.totalBytes);
    assert.equal(info.node.version, process.version);
    assert.ok(info.uptime.systemSeconds >= info.uptime.processSeconds);
    assert.ok('totalBytes' in info.disk, JSON.stringify(info.disk));
    assert.ok(info.disk.totalBytes > 0 && info.disk.availableBytes <= info.disk.freeBytes && info.disk.freeBytes <= info.disk.totalBytes);
  });

  it('reports a disk error instead of failing when the root is missing', async () => {
    const info = await collectSystemInfo('/definitely/not/here');
    assert.ok('error' in info.disk);
    assert.match(info.disk.error, /ENOENT/);
  });

  it('is a read-only tool returning the info as JSON text and structured content', async () => {
    const tool = createSystemInfoTool({ workspaceRoot: os.tmpdir() });
    assert.equal(tool.spec.name, 'system_info');
    assert.equal(tool.spec.annotations?.readOnlyHint, true);
    const result = await tool.run({}, {});
    const parsed = JSON.parse((result.content[0] as { text: string }).text) as SystemInfo;
    assert.equal(parsed.node.version, process.version);
    assert.deepEqual(result.structuredContent, parsed);
  });

  it('formats byte counts in binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(24 * 1024 ** 3), '24.0 GiB');
  });
});
