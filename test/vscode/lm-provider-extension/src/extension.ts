// Test-only extension: a scripted chat model behind VS Code's stable language-model provider API
// (`vscode.lm.registerLanguageModelChatProvider`, with the `languageModelChatProviders` contribution in
// package.json). The in-host suites script its answers and read back what it was sent through the exports.
import * as vscode from 'vscode';
import type { RecordedLmRequest, RecordedPart, ScriptedLmApi, ScriptedLmResponse } from './api';

const VENDOR = 'mcp-agent-test';
const MODEL: vscode.LanguageModelChatInformation = {
  id: 'scripted-lm',
  name: 'Scripted LM',
  family: 'scripted',
  version: '1.0.0',
  maxInputTokens: 128_000,
  maxOutputTokens: 4_096,
  capabilities: { toolCalling: true, imageInput: true },
};

export function activate(context: vscode.ExtensionContext): ScriptedLmApi {
  const queue: ScriptedLmResponse[] = [];
  const requests: RecordedLmRequest[] = [];

  const provider: vscode.LanguageModelChatProvider = {
    provideLanguageModelChatInformation: () => [MODEL],
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const recorded: RecordedLmRequest = {
        modelId: model.id,
        messages: messages.map((m) => ({ role: roleName(m.role), parts: m.content.map(recordPart) })),
        tools: (options.tools ?? []).map((t) => t.name),
        initiator: (options as { requestInitiator?: string }).requestInitiator,
      };
      requests.push(recorded);
      const script = queue.shift() ?? { text: lastUserText(recorded) };
      if (script.error) throw new Error(script.error);
      const pause = () => (script.delayMs ? new Promise((r) => setTimeout(r, script.delayMs)) : Promise.resolve());
      const text = script.text ?? '';
      const size = Math.max(1, script.chunkSize ?? 12);
      for (let i = 0; i < text.length; i += size) {
        if (token.isCancellationRequested) return;
        if (i > 0) await pause();
        progress.report(new vscode.LanguageModelTextPart(text.slice(i, i + size)));
      }
      (script.toolCalls ?? []).forEach((call, i) => {
        progress.report(new vscode.LanguageModelToolCallPart(call.callId ?? `lmcall_${requests.length}_${i}`, call.name, call.input));
      });
    },
    provideTokenCount: async (_model, text) => Math.ceil((typeof text === 'string' ? text : JSON.stringify(text.content)).length / 4),
  };
  context.subscriptions.push(vscode.lm.registerLanguageModelChatProvider(VENDOR, provider));

  return {
    vendor: VENDOR,
    modelId: MODEL.id,
    enqueue: (...responses) => void queue.push(...responses),
    get requests() {
      return requests;
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
  };
}

export function deactivate(): void {}

function roleName(role: vscode.LanguageModelChatMessageRole): 'user' | 'assistant' | 'other' {
  if (role === vscode.LanguageModelChatMessageRole.User) return 'user';
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return 'other';
}

function recordPart(part: unknown): RecordedPart {
  if (part instanceof vscode.LanguageModelTextPart) return { type: 'text', value: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart) return { type: 'toolCall', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart) {
    return { type: 'toolResult', callId: part.callId, content: part.content.map((c) => (c instanceof vscode.LanguageModelTextPart ? c.value : JSON.stringify(c))) };
  }
  // A data part (an image), in VS Code versions that have them.
  const data = part as { mimeType?: unknown; data?: unknown };
  if (typeof data.mimeType === 'string' && data.data instanceof Uint8Array) return { type: 'data', mimeType: data.mimeType, base64: Buffer.from(data.data).toString('base64') };
  return { type: 'other', value: JSON.stringify(part) ?? String(part) };
}

function lastUserText(request: RecordedLmRequest): string {
  const user = [...request.messages].reverse().find((m) => m.role === 'user');
  return (user?.parts ?? []).map((p) => (p.type === 'text' ? p.value : '')).join('') || '(no text)';
}
