/** Formatting of numbers, durations, times and tool names, in the UI locale. */
import { t } from './strings';

let locale = document.documentElement.lang || 'en';

export function setLocale(value: string): void {
  if (!value) return;
  try {
    new Intl.NumberFormat(value);
    locale = value;
  } catch {
    // Not a locale Intl knows: keep the previous one.
  }
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** 1234 -> "1.2K" (compact, for the toolbar). */
export function formatCompact(n: number): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** US dollars, with enough digits for a cheap conversation: $0.0042, $1.20. */
export function formatCost(usd: number): string {
  const digits = usd > 0 && usd < 0.01 ? { maximumSignificantDigits: 2 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', ...digits }).format(usd);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function formatSize(chars: number): string {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(chars < 10 * 1024 ? 1 : 0)} KB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

/** "3 hours ago", from an ISO time. */
export function formatRelative(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const diff = (then - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return t('justNow');
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['minute', 60],
    ['hour', 3600],
    ['day', 86400],
    ['week', 604800],
    ['month', 2592000],
    ['year', 31536000],
  ];
  let unit: Intl.RelativeTimeFormatUnit = 'minute';
  let size = 60;
  for (const [u, s] of units) {
    if (abs >= s) {
      unit = u;
      size = s;
    }
  }
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(Math.round(diff / size), unit);
}

/** `server__tool` (the agent's qualified name) -> { server, tool }; an explicit server wins. */
export function splitToolName(name: string, server?: string): { server?: string; tool: string } {
  const i = name.indexOf('__');
  if (i > 0) return { server: server ?? name.slice(0, i), tool: name.slice(i + 2) };
  return { server, tool: name };
}

/** Pretty JSON when `text` is JSON (and not huge), else the text itself. */
export function prettyJson(text: string, limit = 1_000_000): { text: string; json: boolean } {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > limit || !/^[[{]/.test(trimmed)) return { text, json: false };
  try {
    return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}
