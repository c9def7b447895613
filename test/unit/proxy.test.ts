import assert from 'node:assert/strict';
import { proxyConfigured, proxyFor } from '../../src/cli/proxy';

describe('the proxy from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)', () => {
  const at = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env);

  it('takes the proxy for the scheme, in either case, adding http:// when the value has no scheme', () => {
    assert.equal(at('https://api.example.com/v1', { HTTPS_PROXY: 'http://p:3128' }), 'http://p:3128');
    assert.equal(at('https://api.example.com/v1', { https_proxy: 'p:3128' }), 'http://p:3128');
    assert.equal(at('http://localhost:11434/v1', { HTTP_PROXY: 'http://p:3128' }), 'http://p:3128');
    assert.equal(at('http://localhost:11434/v1', { HTTPS_PROXY: 'http://p:3128' }), undefined, 'an https proxy is not used for http URLs');
    assert.equal(proxyConfigured({}), false);
    assert.equal(proxyConfigured({ http_proxy: 'p:1' }), true);
  });

  it('reaches the hosts NO_PROXY names directly: suffixes, ports, *, IPv6', () => {
    const env = { HTTPS_PROXY: 'http://p:3128', HTTP_PROXY: 'http://p:3128', NO_PROXY: 'localhost, .internal.example  *.corp.example,10.0.0.5,example.org:8443,[::1]' };
    for (const url of ['http://localhost:8080/', 'https://a.internal.example/', 'https://internal.example/', 'https://x.y.corp.example/', 'http://10.0.0.5/', 'https://example.org:8443/', 'http://[::1]:3000/']) {
      assert.equal(at(url, env), undefined, url);
    }
    for (const url of ['https://api.openai.com/v1', 'https://notinternal.example/', 'https://example.org/', 'http://10.0.0.50/', 'https://corp.example.com/']) {
      assert.equal(at(url, env), 'http://p:3128', url);
    }
    assert.equal(at('https://anything/', { HTTPS_PROXY: 'p:1', no_proxy: '*' }), undefined);
  });
});
