/**
 * Where the JWT secret comes from: in the cloud, an SSM Parameter Store
 * SecureString named by `JWT_SECRET_PARAM`, read once per cold start; locally,
 * `JWT_SECRET` or the development default. The secret is never in
 * `serverless.yml` nor in the function's environment in the cloud.
 *
 * @module
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../config.js';

/** Reads a SecureString parameter's decrypted value. */
export type ParameterReader = (name: string) => Promise<string>;

const ssmReader = (region: string): ParameterReader => {
  const client = new SSMClient({ region, maxAttempts: 3 });
  return async (name) => {
    const { Parameter } = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (!Parameter?.Value) throw new Error(`SSM parameter ${name} has no value`);
    return Parameter.Value;
  };
};

/**
 * A provider of the JWT secret, memoised: the first call reads it (from SSM
 * when `config.jwtSecretParam` is set), later calls reuse it. A failed read
 * is retried on the next request rather than cached.
 *
 * @param read - how to read a parameter (SSM by default; tests pass their own)
 */
export function secretProvider(config: Config, read?: ParameterReader): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    if (!config.jwtSecretParam) return Promise.resolve(config.jwtSecret);
    pending ??= (read ?? ssmReader(config.region))(config.jwtSecretParam).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
