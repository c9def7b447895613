import * as assert from 'node:assert/strict';
import { serverParts, toolNamesFor } from '../../src/core/mcp/toolNames';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

function namesFor(servers: Record<string, string[]>): string[] {
  const parts = serverParts(Object.keys(servers));
  return Object.entries(servers).flatMap(([s, tools]) => [...toolNamesFor(parts.get(s)!, tools).values()]);
}

describe('tool namespacing', () => {
  it('joins server and tool with __ and keeps plain names readable', () => {
    assert.deepEqual(namesFor({ github: ['create_issue'] }), ['github__create_issue']);
  });

  it('never lets two servers collide: a-b vs a_b, a.b vs a_b, and shared tool names', () => {
    const names = namesFor({ 'a-b': ['read_file'], a_b: ['read_file'], 'a.b': ['read_file'], 'A_B': ['read_file'] });
    assert.equal(new Set(names.map((n) => n.toLowerCase())).size, 4, names.join(' '));
    for (const n of names) assert.match(n, VALID);
  });

  it('cannot be confused by __ inside server or tool names', () => {
    const names = namesFor({ a__b: ['c'], a: ['b__c'] });
    // The server part never contains __, so a name splits at its first __.
    assert.deepEqual(names, ['a_b__c', 'a__b__c']);
  });

  it('sanitizes invalid characters and keeps tools distinct within a server', () => {
    const names = namesFor({ 'my server!': ['read.file', 'read_file', 'read file', 'ünï'] });
    assert.equal(new Set(names).size, 4, names.join(' '));
    for (const n of names) assert.match(n, VALID);
    assert.ok(names.includes('my_server__read_file'), 'the tool whose name needed no change keeps it');
  });

  it('shortens long names with a stable hash and stays within 64 characters', () => {
    const long = 'x'.repeat(100);
    const a = namesFor({ ['s'.repeat(80)]: [long, `${long}y`] });
    const b = namesFor({ ['s'.repeat(80)]: [long, `${long}y`] });
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, 2);
    for (const n of a) assert.match(n, VALID);
  });

  it('gives a tool the same name whatever other servers exist', () => {
    const alone = namesFor({ github: ['search'] });
    const withOthers = namesFor({ other: ['search'], github: ['search'], third: ['x'] });
    assert.ok(withOthers.includes(alone[0]));
  });
});
