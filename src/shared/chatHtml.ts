/**
 * The chat webview's HTML document. Pure (no `vscode` import): the host's WebviewViewProvider calls it with the
 * webview's CSP source, a fresh nonce and the `asWebviewUri` of each bundled file; the tests call it with a local
 * server's origin.
 */

export interface ChatHtmlOptions {
  /** `webview.cspSource`: the origin the bundled script, styles and fonts are served from. */
  cspSource: string;
  /** A fresh random value per document (base64 or hex); only the script and style carrying it run. */
  nonce: string;
  /** media/dist/chat.js */
  scriptUri: string;
  /** media/dist/chat.css */
  styleUri: string;
  /** media/dist/codicon.css */
  codiconsUri: string;
  /** The UI language (`vscode.env.language`), e.g. `en` or `zh-cn`. */
  lang: string;
  /** The webview's labels in the UI language (key -> text), read before anything is drawn; absent in English. */
  strings?: Record<string, string>;
}

/** JSON inside a <script> data block: `<` escaped so no text can close the element. Data blocks never run. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The document for the chat view: a strict CSP, the stylesheets, an empty app root and the nonce'd script. */
export function chatHtml({ cspSource, nonce, scriptUri, styleUri, codiconsUri, lang, strings }: ChatHtmlOptions): string {
  // A CSP source or nonce containing a quote or semicolon could widen the policy: refuse rather than emit it.
  // (VS Code's own cspSource is a source list with a quoted keyword, `'self' https://*.vscode-cdn.net`: single
  // quotes are allowed there; a semicolon, double quote or line break would still start a new directive or attribute.)
  if (/[;"'\s]/.test(nonce) || !nonce) throw new Error('chatHtml: invalid nonce');
  if (/[;"\n\r]/.test(cspSource)) throw new Error('chatHtml: invalid cspSource');
  const csp = [
    `default-src 'none'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  const language = /^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/.test(lang) ? lang : 'en';
  return `<!DOCTYPE html>
<html lang="${attr(language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(codiconsUri)}" nonce="${attr(nonce)}">
<link rel="stylesheet" href="${attr(styleUri)}" nonce="${attr(nonce)}">
<title>MCP Agent</title>
</head>
<body>
<div id="app"></div>
${strings && Object.keys(strings).length ? `<script type="application/json" id="mcp-agent-strings">${jsonForScript(strings)}</script>\n` : ''}<noscript>MCP Agent needs scripts enabled in this view.</noscript>
<script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}
