// Where a client puts its wrapper token: x-api-key, `Authorization: Bearer …`, or the raw Authorization value.

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The wrapper token the client sent, or '' when there is none. */
export function extractToken(headers: Readonly<Record<string, HeaderValue>>): string {
  const apiKey = first(headers['x-api-key']).trim();
  if (apiKey) return apiKey;
  const authorization = first(headers.authorization).trim();
  if (authorization.startsWith('Bearer ')) return authorization.slice(7).trim();
  if (/^bearer /i.test(authorization)) return authorization.slice(7).trim();
  return authorization;
}
