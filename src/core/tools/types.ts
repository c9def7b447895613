import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';

/** Results use the MCP shape everywhere, so built-in and MCP tools look the same to the loop and the UI. */
export type ToolResult = CallToolResult;
export type ToolSpec = Tool;
export type { ToolAnnotations };

export interface ToolRunContext {
  signal?: AbortSignal;
}

/** A tool the agent provides itself (the original system's "MCP functions"). */
export interface BuiltinTool {
  /** Name as the model sees it, e.g. `run_command`. */
  readonly spec: ToolSpec;
  run(args: Record<string, unknown>, ctx: ToolRunContext): Promise<ToolResult>;
}

export function textResult(text: string, isError = false): ToolResult {
  return isError ? { content: [{ type: 'text', text }], isError: true } : { content: [{ type: 'text', text }] };
}

export function jsonResult(value: unknown): ToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}
