import * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import { redact } from '../core/util/redact';

/** The "MCP Agent" log channel; every line passes through redaction (and the known secrets, like the API key). */
export class ChannelLogger implements Logger {
  readonly channel: vscode.LogOutputChannel;
  private readonly known = new Set<string>();

  constructor(name = 'MCP Agent') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  /** A value that must never appear in the log, e.g. the API key once it is read. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.known.add(value);
  }

  trace(message: string): void {
    this.channel.trace(this.clean(message));
  }
  debug(message: string): void {
    this.channel.debug(this.clean(message));
  }
  info(message: string): void {
    this.channel.info(this.clean(message));
  }
  warn(message: string): void {
    this.channel.warn(this.clean(message));
  }
  error(message: string): void {
    this.channel.error(this.clean(message));
  }

  private clean(message: string): string {
    return redact(message, this.known);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
