import { secretProvider } from '../../lib/auth/secret.js';
import { loadConfig } from '../../lib/config.js';

describe('JWT secret provider', () => {
  test('uses JWT_SECRET when no SSM parameter is configured', async () => {
    const provider = secretProvider(loadConfig({ JWT_SECRET: 'local-secret' }));
    await expect(provider()).resolves.toBe('local-secret');
  });

  test('refuses, in a deployed function, to fall back to the public development secret', () => {
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'worker' })).toThrow(/JWT_SECRET_PARAM/);
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'worker', IS_OFFLINE: 'true' })).not.toThrow();
  });

  test('reads the SSM parameter once, then reuses it', async () => {
    const names: string[] = [];
    const provider = secretProvider(
      loadConfig({ JWT_SECRET_PARAM: '/dataframe-jobs/prod/jwt-secret' }),
      async (name) => {
        names.push(name);
        return 'from-ssm';
      },
    );
    expect(await provider()).toBe('from-ssm');
    expect(await provider()).toBe('from-ssm');
    expect(names).toEqual(['/dataframe-jobs/prod/jwt-secret']);
  });

  test('retries a failed read on the next call instead of caching the failure', async () => {
    let calls = 0;
    const provider = secretProvider(loadConfig({ JWT_SECRET_PARAM: '/p' }), async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return 'ok';
    });
    await expect(provider()).rejects.toThrow('throttled');
    await expect(provider()).resolves.toBe('ok');
  });
});
