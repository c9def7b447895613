#!/usr/bin/env node
// Entry point: node test/vscode/run.mjs [--help]. The harness is TypeScript (typechecked and linted
// with the rest of test/); tsx (a devDependency) loads it.
import 'tsx';

const harness = await import('./harness.ts');
// harness.ts is a CommonJS module (the package is not "type": "module"): its exports arrive as default.
const main = harness.main ?? harness.default.main;
// Exit now rather than when the last stray handle (a library's timer or socket) lets go.
process.exit(await main(process.argv.slice(2)));
