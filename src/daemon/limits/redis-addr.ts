// `session.redis.addr` as ioredis wants it: `host:port`, `[ipv6]:port`, or a bare host on 6379.
export function redisHostPort(addr: string): { host: string; port: number } {
  const match = /^\[(.+)\]:(\d+)$/.exec(addr) ?? /^([^:]*):(\d+)$/.exec(addr);
  if (match) return { host: match[1] || 'localhost', port: Number(match[2]) };
  return { host: addr.replace(/^\[|\]$/g, '') || 'localhost', port: 6379 };
}
