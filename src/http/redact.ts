// What a log line may show of a request: secrets in a URL's query (an
// auth_token, however its key is encoded, a password, a key) become ***.
import { formDecoded } from '../invoke/encode.js';
const SECRET_KEY = /^(auth_?token|access_token|token|password|passwd|secret|client_secret|api_?key|key)$/i;

export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const pairs = url.slice(start + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq >= 0 && SECRET_KEY.test(formDecoded(pair.slice(0, eq)).trim()) ? `${pair.slice(0, eq)}=***` : pair;
  });
  return `${url.slice(0, start)}?${pairs.join('&')}`;
}

/** pino's redact paths for what couchfn logs (requests, errors). */
export const LOG_REDACT = {
  paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', 'req.headers.cookie', 'headers.authorization', 'headers["x-auth-token"]',
    '*.password', '*.api_key', '*.auth_token', '*.client_secret', '*.access_token'],
  censor: '***'
};
