/**
 * The one rule for links from model output: only http(s) URLs are opened, and only as the parsed, normalized URL
 * (never the raw text). The webview applies it before posting `openLink`; the host applies it again before
 * `openExternal`, since the webview renders untrusted content.
 */
export function openableUrl(href: string): URL | undefined {
  // Control characters and whitespace inside a URL are a smuggling trick ("java\nscript:"); refuse outright.
  if (/[\u0000-\u0020\u007f-\u009f]/.test(href.trim())) return undefined; // eslint-disable-line no-control-regex
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname) return undefined;
  // Credentials in a link are a phishing pattern (https://trusted.com@evil.example/); nothing legitimate needs them.
  if (url.username || url.password) return undefined;
  return url;
}
