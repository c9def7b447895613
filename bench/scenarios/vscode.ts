/**
 * Figures that need a real VS Code: extension activation time and the chat webview's main-thread behaviour while an
 * answer streams in. They come from the in-editor harness under test/vscode/ once it can report them; until then
 * they are null with a note saying why. A harness fills them in by replacing `measureInVsCode` below (or by being
 * passed as `provider`): the rest of the bench already carries the keys through to the JSON and the table.
 */
import type { Ctx } from '../lib/common';

export interface VsCodeFigures {
  /** From `activate()` being called to the extension having resolved it, ms. */
  activation_ms: number | null;
  /** Main-thread tasks over 50 ms in the chat webview while a 50-token answer streams. */
  webview_long_tasks: number | null;
  /** Webview renders (frames that changed the transcript) per second while streaming. */
  webview_renders_per_s: number | null;
}

export type VsCodeProvider = (ctx: Ctx) => Promise<VsCodeFigures | null>;

/** Returns null when no VS Code can be driven from here. */
const measureInVsCode: VsCodeProvider = async () => null;

export async function benchVsCode(ctx: Ctx, provider: VsCodeProvider = measureInVsCode): Promise<VsCodeFigures> {
  const figures = await provider(ctx);
  if (figures) return figures;
  ctx.notes.push(
    'activation_ms, webview_long_tasks, webview_renders_per_s: null. They need a real VS Code (extension host and webview); ' +
      'the harness for that is being built under test/vscode/ and does not report these figures yet. ' +
      'bench/scenarios/vscode.ts has the hook (measureInVsCode) a harness fills in.',
  );
  return { activation_ms: null, webview_long_tasks: null, webview_renders_per_s: null };
}
