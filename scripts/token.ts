/**
 * `npm run token -- [--sub NAME] [--ttl DURATION]`: prints a valid access
 * token (HS256, secret from JWT_SECRET or the development default, `iss` and
 * `aud` from JWT_ISSUER and JWT_AUDIENCE when set) and nothing else on stdout.
 * The lifetime (seconds, or a number with s, m, h or d; 12 h by default) must
 * be within JWT_MAX_TTL (24 h by default): the service refuses longer ones.
 */
import { parseArgs } from 'node:util';
import { issueToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';

const { values } = parseArgs({
  options: { sub: { type: 'string', default: 'demo' }, ttl: { type: 'string' } },
  strict: true,
});
const config = loadConfig();
try {
  process.stdout.write(
    `${await issueToken({ sub: values.sub, ttl: values.ttl }, config.auth, config.jwtSecret)}\n`,
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 2;
}
