import assert from 'node:assert/strict';
import * as os from 'node:os';
import { Toolbox } from '../../src/core/agent/toolbox';
import { disabledMatcher } from '../../src/core/agent/toolSwitches';
import { createBuiltinTools } from '../../src/core/tools/builtins';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';

describe('per-tool switches (tools.disabled)', () => {
  it('matches exact names and * patterns, nothing else', () => {
    const off = disabledMatcher(['fs__write_file', 'git__*', 'run_command', 'a.b__*']);
    assert.equal(off('fs__write_file'), true);
    assert.equal(off('fs__read_file'), false);
    assert.equal(off('git__status'), true);
    assert.equal(off('gitx__status'), false);
    assert.equal(off('run_command'), true);
    assert.equal(off('a.b__x'), true);
    assert.equal(off('axb__x'), false, 'a dot in a pattern is literal');
    assert.equal(disabledMatcher([])('anything'), false);
  });

  it('a disabled built-in is neither listed nor found', () => {
    const builtins = createBuiltinTools({ workspace: new NodeWorkspace(os.tmpdir()), commandRunner: new NodeCommandRunner() });
    const box = new Toolbox({ builtins, disabled: ['run_command', 'write_*'] });
    const names = box.list().map((t) => t.name);
    assert.ok(!names.includes('run_command') && !names.includes('write_file'), names.join(','));
    assert.ok(names.includes('edit_file') && names.includes('search'));
    assert.equal(box.find('run_command'), undefined);
    assert.equal(box.find('search')?.name, 'search');
  });
});
