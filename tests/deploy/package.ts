/**
 * The service packaged for a cloud stage, offline and without AWS
 * credentials, once per test run: the deploy project's global setup
 * (global-setup.mjs) packages it into a temporary folder and names that
 * folder in `DEPLOY_PACKAGE_DIR`; every test file reads the template and the
 * zips from there, so adding a file of template checks costs no second
 * `serverless package` (about a minute).
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TemplateResource } from './iam.js';

const run = promisify(execFile);

/** The stage the service is packaged for. */
export const STAGE = 'prod';

/** The parameters a cloud stage requires (docs/DEPLOY.md). */
export const STAGE_PARAMS = [
  '--param=subnetA=subnet-0aaa',
  '--param=subnetB=subnet-0bbb',
  '--param=securityGroup=sg-0ccc',
  '--param=jwtIssuer=https://sso.example.com',
  '--param=jwtAudience=dataframe-jobs',
];

/** The environment variable the global setup names the package folder in. */
const PACKAGE_DIR_VARIABLE = 'DEPLOY_PACKAGE_DIR';

/** The environment of an offline Serverless run: no AWS credentials, no telemetry, no JWT_* of the host. */
export function slsEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
  };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_PROFILE;
  for (const name of Object.keys(env)) if (name.startsWith('JWT_')) delete env[name];
  return env;
}

/**
 * Runs the Serverless CLI of the repository (`serverless <args>`) offline.
 *
 * @param args - the command and its options
 * @returns its standard output
 * @throws the child process error (with `stdout` and `stderr`) when it exits non-zero
 */
export async function serverless(args: readonly string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['node_modules/serverless/bin/serverless.js', ...args], {
    env: slsEnv(),
    maxBuffer: 16 << 20,
  });
  return stdout;
}

/**
 * Packages the service for stage {@link STAGE} into `dir`: the CloudFormation
 * template, `serverless-state.json` and one zip per function.
 *
 * @param dir - an empty folder
 * @throws the child process error when `serverless package` fails
 */
export async function packageService(dir: string): Promise<void> {
  await serverless(['package', '--stage', STAGE, '--package', dir, ...STAGE_PARAMS]);
}

/** What `serverless package` produced. */
export interface PackagedService {
  /** The folder holding the template, the state file and the zips. */
  readonly dir: string;
  /** The template's resources, by logical id. */
  readonly resources: Record<string, TemplateResource>;
  /** The template's outputs, by name. */
  readonly outputs: Record<string, { readonly Value: unknown }>;
}

/**
 * The service the global setup packaged.
 *
 * @throws Error when no global setup ran (the file was run outside the deploy project)
 */
export async function packagedService(): Promise<PackagedService> {
  const dir = process.env[PACKAGE_DIR_VARIABLE];
  if (dir === undefined || dir === '') {
    throw new Error(
      `${PACKAGE_DIR_VARIABLE} is not set: run this file in the deploy project (npm test -- <file>)`,
    );
  }
  const template = JSON.parse(
    await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: PackagedService['resources']; Outputs?: PackagedService['outputs'] };
  return { dir, resources: template.Resources, outputs: template.Outputs ?? {} };
}

/** Names the package folder for the test files (workers are forked after the global setup). */
export function announcePackage(dir: string): void {
  process.env[PACKAGE_DIR_VARIABLE] = dir;
}
