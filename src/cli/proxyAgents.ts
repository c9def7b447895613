/** The entry of dist/proxyAgents.js: the proxy libraries, bundled apart and loaded only when a proxy is set (cli/proxy.ts). */
export { HttpProxyAgent } from 'http-proxy-agent';
export { HttpsProxyAgent } from 'https-proxy-agent';
export { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';
