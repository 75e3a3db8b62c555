/**
 * `npm run token -- [--sub NAME] [--ttl DURATION]`: prints a valid access
 * token (HS256, secret from JWT_SECRET or the development default) and
 * nothing else on stdout.
 */
import { parseArgs } from 'node:util';
import { signToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';

const { values } = parseArgs({
  options: { sub: { type: 'string', default: 'demo' }, ttl: { type: 'string', default: '12h' } },
  strict: true,
});
const ttl = values.ttl === 'none' ? null : values.ttl;
process.stdout.write(`${await signToken({ sub: values.sub, ttl }, loadConfig().jwtSecret)}\n`);
