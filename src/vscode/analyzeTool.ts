/**
 * analyze_code in VS Code: the core's tree-sitter analysis of the editor's text (unsaved changes included),
 * merged with what VS Code itself knows: diagnostics from the language servers and their document symbols.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Cache } from '../core/cache';
import { cacheKey } from '../core/cache/key';
import { analyzeSource, detectLanguage } from '../core/tools/analyzeCode';
import { resolveRealInsideWorkspace } from '../core/tools/workspacePath';
import { jsonResult, textResult, type BuiltinTool } from '../core/tools/types';

export interface EditorAnalysis {
  path: string;
  analysis: Awaited<ReturnType<typeof analyzeSource>>;
  diagnostics: Array<{ severity: string; line: number; message: string; source?: string }>;
  documentSymbols: Array<{ name: string; kind: string; startLine: number; endLine: number; children?: number }>;
}

export async function analyzeDocument(doc: vscode.TextDocument, root: string, grammarDir?: string, cache?: Cache): Promise<EditorAnalysis> {
  const rel = path.relative(root, doc.uri.fsPath) || doc.uri.fsPath;
  const text = doc.getText();
  const compute = () => analyzeSource(text, doc.fileName, { grammarDir });
  const [analysis, symbols] = await Promise.all([
    // Cached by content under the same key as the core's analyze_code: an unchanged file is parsed once.
    cache ? cache.getOrCompute(cacheKey('analyze_code', detectLanguage(doc.fileName), text), compute, { ttlSeconds: 7 * 24 * 3600 }) : compute(),
    Promise.resolve(vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri)).catch(() => undefined),
  ]);
  const diagnostics = vscode.languages.getDiagnostics(doc.uri).slice(0, 200).map((d) => ({
    severity: vscode.DiagnosticSeverity[d.severity].toLowerCase(),
    line: d.range.start.line + 1,
    message: d.message,
    source: d.source,
  }));
  const documentSymbols = (symbols ?? []).slice(0, 300).map((s) => ({
    name: s.name,
    kind: vscode.SymbolKind[s.kind],
    startLine: s.range.start.line + 1,
    endLine: s.range.end.line + 1,
    children: s.children?.length || undefined,
  }));
  return { path: rel, analysis, diagnostics, documentSymbols };
}

export function createEditorAnalyzeTool(base: BuiltinTool, root: string, grammarDir: string | undefined, cache?: Cache): BuiltinTool {
  return {
    spec: { ...base.spec, description: `${base.spec.description ?? ''} In VS Code the result also has the editor's diagnostics and document symbols.` },
    async run(args, ctx) {
      const p = args.path;
      if (typeof p !== 'string' || !p.trim()) return textResult('analyze_code needs a "path" string.', true);
      // Inside the workspace by real path too (as every reader checks): a link in the workspace to a file outside
      // it must not be opened and analyzed.
      const abs = path.resolve(root, p);
      try {
        await resolveRealInsideWorkspace(root, p, 'file');
      } catch (err) {
        return textResult(`Cannot read ${p}: ${err instanceof Error ? err.message : String(err)}`, true);
      }
      let doc: vscode.TextDocument;
      try {
        doc = await vscode.workspace.openTextDocument(vscode.Uri.file(abs));
      } catch {
        return base.run(args, ctx);
      }
      return jsonResult(await analyzeDocument(doc, root, grammarDir, cache));
    },
  };
}
