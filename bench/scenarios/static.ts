/**
 * Figures read off the build: dist/extension.js is what VS Code loads on activation; when the build splits the
 * extension into an activation shim and a lazily required host (dist/host.js), and bundles the chat webview
 * (media/dist/chat.js), their sizes are reported alongside.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, type Ctx } from '../lib/common';

const run = promisify(execFile);

export interface BundleSizes {
  extension: number;
  host: number | null;
  webview: number | null;
}

async function sizeOf(rel: string): Promise<number | null> {
  try {
    return (await stat(path.join(ROOT, rel))).size;
  } catch {
    return null;
  }
}

export async function bundleSizes(ctx: Ctx): Promise<BundleSizes> {
  let extension = await sizeOf('dist/extension.js');
  if (extension === null) {
    ctx.log('  dist/extension.js is missing; running npm run build');
    await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 300_000 });
    extension = await sizeOf('dist/extension.js');
    if (extension === null) throw new Error('npm run build did not produce dist/extension.js');
  }
  return { extension, host: await sizeOf('dist/host.js'), webview: await sizeOf('media/dist/chat.js') };
}
