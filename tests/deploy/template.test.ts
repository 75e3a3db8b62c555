/**
 * Checks the CloudFormation template and the zips of the service packaged for
 * a cloud stage (offline, without AWS credentials, by the deploy project's
 * global setup: package.ts): a change to serverless.yml that drops a resource
 * or property the deployment relies on fails here. The jobs' DynamoDB table
 * and every role's rights on it: job-table.test.ts.
 */
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BINDING_PACKAGE, NATIVE_FILES, checkLambdaLoadable } from '../../scripts/lambda-duckdb-binding.js';
import { engineSettings, runtimeHeapMb } from '../../lib/engine/settings.js';
import { actionsOf, allowing, lambdaFunctions, roleOf, statementsOf, type TemplateResource } from './iam.js';
import { packagedService, serverless, STAGE_PARAMS } from './package.js';
import { unzipTo, zipEntries, zipEntryData } from './zip.js';

const run = promisify(execFile);
const FUNCTIONS = [
  'Health',
  'ComputeGroupBy',
  'ComputeNonNull',
  'ComputeStats',
  'GetJob',
  'GetJobResult',
  'ListJobs',
  'CancelJob',
  'Worker',
  'DeadLetter',
];
/**
 * Zipped size bounds, set from the measured sizes with room to grow: 1.2 MB for the bundles alone;
 * 28.5 MB for the compute functions, the result function (its `?limit=N` preview) and the worker, whose
 * zips also carry DuckDB's binding (26 MB of it).
 */
const MAX_ZIP_BYTES: Record<string, number> = {
  health: 1_800_000,
  getJob: 1_800_000,
  getJobResult: 32_000_000,
  listJobs: 1_800_000,
  cancelJob: 1_800_000,
  computeGroupBy: 32_000_000,
  computeNonNull: 32_000_000,
  computeStats: 32_000_000,
  worker: 32_000_000,
  deadLetter: 1_800_000,
};
/** The functions that run DuckDB, whose zips carry its loader and native binding. */
const DUCKDB_FUNCTIONS = ['computeGroupBy', 'computeNonNull', 'computeStats', 'getJobResult', 'worker'];
/** Where Lambda loads the binding from: the zip's node_modules, beside functions/. */
const BINDING_FILES = [
  'node_modules/@duckdb/node-bindings/duckdb.js',
  'node_modules/detect-libc/package.json',
  ...NATIVE_FILES.map((file) => `node_modules/${BINDING_PACKAGE}/${file}`),
];
/** A function's bundle in its zip: functions/<handler file>.mjs. */
const bundleFile = (name: string): string =>
  `${
    (
      {
        getJob: 'jobs',
        getJobResult: 'result',
        listJobs: 'jobs',
        cancelJob: 'jobs',
        computeGroupBy: 'compute',
        computeNonNull: 'compute',
        computeStats: 'compute',
        deadLetter: 'dead-letter',
      } as Record<string, string>
    )[name] ?? name
  }.mjs`;
/** Lambda's limit on a function's unzipped code (layers included): 250 MB. */
const LAMBDA_UNZIPPED_LIMIT = 250 * 2 ** 20;

let dir: string;
let resources: Record<string, TemplateResource>;

beforeAll(async () => {
  ({ dir, resources } = await packagedService());
});

const props = (name: string): Record<string, unknown> => resources[name]!.Properties;

test('the queue redrives to the DLQ after 3 receives, with a visibility of at least six worker timeouts', () => {
  const queue = props('ComputeJobsQueue');
  expect(queue.RedrivePolicy).toEqual({
    deadLetterTargetArn: { 'Fn::GetAtt': ['ComputeJobsDlq', 'Arn'] },
    maxReceiveCount: 3,
  });
  expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
    6 * (props('WorkerLambdaFunction').Timeout as number),
  );
  expect(resources.ComputeJobsDlq!.Type).toBe('AWS::SQS::Queue');
});

test('the worker consumes the queue with partial batch failures and bounded concurrency', () => {
  const mapping = props('WorkerEventSourceMappingSQSComputeJobsQueue');
  expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': ['ComputeJobsQueue', 'Arn'] });
  expect((mapping.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeGreaterThanOrEqual(
    2,
  );
});

test('the dead-letter function consumes the DLQ with partial batch failures, within the DLQ visibility', () => {
  const mapping = props('DeadLetterEventSourceMappingSQSComputeJobsDlq');
  expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': ['ComputeJobsDlq', 'Arn'] });
  const fn = props('DeadLetterLambdaFunction');
  expect(fn.Handler).toBe('functions/dead-letter.handler');
  expect(props('ComputeJobsDlq').VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.Timeout as number));
});

/** Functions that only read or write job state (the jobs table): they mount no storage. */
const STATE_ONLY_FUNCTIONS = ['GetJob', 'ListJobs', 'CancelJob', 'DeadLetter'];

test('every function that reads or writes files mounts an EFS access point at /mnt/hdfs, its HDFS_ROOT, inside the VPC; the others mount nothing', () => {
  expect(props('HdfsFileSystem').Encrypted).toBe(true);
  expect(props('HdfsMountTargetA').SubnetId).toBe('subnet-0aaa');
  expect(props('HdfsMountTargetB').SubnetId).toBe('subnet-0bbb');
  for (const fn of FUNCTIONS) {
    const p = props(`${fn}LambdaFunction`);
    if (STATE_ONLY_FUNCTIONS.includes(fn)) {
      expect(p.FileSystemConfigs).toBeUndefined();
    } else {
      // health sees only its probe folder (see the IAM tests); the others the whole storage.
      const accessPoint = fn === 'Health' ? 'HealthProbeAccessPoint' : 'HdfsAccessPoint';
      expect(p.FileSystemConfigs).toEqual([
        { Arn: { 'Fn::GetAtt': [accessPoint, 'Arn'] }, LocalMountPath: '/mnt/hdfs' },
      ]);
      expect(resources[`${fn}LambdaFunction`]!.DependsOn).toEqual(
        expect.arrayContaining(['HdfsMountTargetA', 'HdfsMountTargetB']),
      );
    }
    expect(p.VpcConfig).toEqual({ SecurityGroupIds: ['sg-0ccc'], SubnetIds: ['subnet-0aaa', 'subnet-0bbb'] });
    expect(p.Runtime).toBe('nodejs22.x');
    const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.HDFS_ROOT).toBe('/mnt/hdfs');
    expect(env.JWT_SECRET_PARAM).toBe('/dataframe-jobs/prod/jwt-secret');
    expect(env.JWT_SECRET).toBe('');
    // The storage is shared unless STORAGE_SCOPE=user is given at deploy time; hard-linked inputs are refused.
    expect(env.STORAGE_SCOPE).toBe('shared');
    expect(env.ALLOW_HARD_LINKS).toBe('false');
  }
});

test('every function checks the issuer and audience given as stage parameters, with the default token rules', () => {
  for (const fn of FUNCTIONS) {
    const env = (props(`${fn}LambdaFunction`).Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env).toMatchObject({
      JWT_ISSUER: 'https://sso.example.com',
      JWT_AUDIENCE: 'dataframe-jobs',
      JWT_MAX_TTL: '24h',
      JWT_CLOCK_SKEW: '60s',
      JWT_PUBLIC_KEY: '',
      JWT_JWKS_URL: '',
    });
  }
});

test('a cloud stage cannot be packaged without jwtIssuer and jwtAudience', async () => {
  const params = STAGE_PARAMS.filter((p) => !/jwtIssuer|jwtAudience/.test(p));
  const printed = serverless(['print', '--stage', 'prod', ...params]);
  const failure = (await printed.then(
    () => ({ stdout: 'packaged', stderr: '' }),
    (err: unknown) => err,
  )) as { stdout: string; stderr: string };
  expect(`${failure.stdout}${failure.stderr}`).toMatch(
    /"jwtIssuer" cannot be resolved[\s\S]*"jwtAudience" cannot be resolved/,
  );
}, 60_000);

/**
 * The role of each function, and every action each role allows. A function added to serverless.yml
 * needs an entry here (and a `role:` there): "health, getJob…" are the functions of the template,
 * found by type, so a function without a role of its own fails the first test below.
 */
const ROLE_OF_FUNCTION: Record<string, string> = {
  HealthLambdaFunction: 'HealthRole',
  ComputeGroupByLambdaFunction: 'SubmitRole',
  ComputeNonNullLambdaFunction: 'SubmitRole',
  ComputeStatsLambdaFunction: 'SubmitRole',
  GetJobLambdaFunction: 'ReadRole',
  GetJobResultLambdaFunction: 'ReadRole',
  ListJobsLambdaFunction: 'ReadRole',
  CancelJobLambdaFunction: 'CancelRole',
  WorkerLambdaFunction: 'WorkerRole',
  DeadLetterLambdaFunction: 'DeadLetterRole',
};
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const EFS_READ = ['elasticfilesystem:ClientMount'];
const EFS_WRITE = [...EFS_READ, 'elasticfilesystem:ClientWrite'];
const SECRET = ['ssm:GetParameter'];
const ROLE_ACTIONS: Record<string, string[]> = {
  HealthRole: [...LOGS, ...EFS_WRITE, 'sqs:GetQueueAttributes', ...SECRET],
  ReadRole: [...LOGS, ...EFS_READ, ...SECRET],
  CancelRole: [...LOGS, ...SECRET],
  SubmitRole: [...LOGS, ...EFS_WRITE, 'sqs:GetQueueAttributes', 'sqs:SendMessage', ...SECRET],
  WorkerRole: [
    ...LOGS,
    ...EFS_WRITE,
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
    'sqs:SendMessage',
  ],
  DeadLetterRole: [...LOGS, 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
};
const roles = (): string[] => [...new Set(Object.values(ROLE_OF_FUNCTION))];

describe('IAM: one least-privilege role per kind of function', () => {
  test("every function runs with a role declared for it, and Serverless's shared role is gone", () => {
    const functions = lambdaFunctions(resources);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect({ fn, role: roleOf(resources, fn) }).toEqual({ fn, role: ROLE_OF_FUNCTION[fn] });
    }
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  // Their DynamoDB actions on the jobs table: job-table.test.ts lists them exactly.
  test.each(Object.entries(ROLE_ACTIONS))(
    '%s allows exactly the actions its functions call, besides those on the jobs table',
    (role, actions) => {
      const granted = actionsOf(statementsOf(resources, role)).filter((a) => !a.startsWith('dynamodb:'));
      expect(granted).toEqual([...new Set(actions)].sort());
    },
  );

  test('the read routes can neither send to the queue nor write the storage', () => {
    for (const fn of ['GetJobLambdaFunction', 'GetJobResultLambdaFunction', 'ListJobsLambdaFunction']) {
      const actions = actionsOf(statementsOf(resources, roleOf(resources, fn)));
      expect(actions.filter((a) => a.startsWith('sqs:'))).toEqual([]);
      expect(actions).not.toContain('elasticfilesystem:ClientWrite');
      expect(actions).not.toContain('elasticfilesystem:ClientRootAccess');
    }
    // health writes only its probe, through an access point rooted at /hdfs/.health, and sends nothing.
    const health = statementsOf(resources, 'HealthRole');
    expect(actionsOf(health)).not.toContain('sqs:SendMessage');
    expect(allowing(health, 'elasticfilesystem:ClientWrite').map((s) => s.Condition)).toEqual([
      {
        StringEquals: {
          'elasticfilesystem:AccessPointArn': { 'Fn::GetAtt': ['HealthProbeAccessPoint', 'Arn'] },
        },
      },
    ]);
    expect(props('HealthProbeAccessPoint').RootDirectory).toMatchObject({ Path: '/hdfs/.health' });
  });

  test('the dead-letter function receives and deletes on the DLQ only, and sends nothing anywhere', () => {
    const statements = statementsOf(resources, 'DeadLetterRole');
    expect(actionsOf(statements)).not.toContain('sqs:SendMessage');
    expect(allowing(statements, 'sqs:ReceiveMessage').map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': ['ComputeJobsDlq', 'Arn'] },
    ]);
  });

  test.each(roles())(
    '%s: Lambda alone assumes it; no "*" resource; the EFS through an access point; logs of its own functions only',
    (role) => {
      const p = props(role);
      expect(p.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      expect(JSON.stringify(p.ManagedPolicyArns)).toBe(
        JSON.stringify([
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::aws:policy/service-role/AWSLambdaENIManagementAccess',
              ],
            ],
          },
        ]),
      );
      const statements = statementsOf(resources, role);
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        expect([s.Resource].flat()).not.toContain('*');
        for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
      }
      for (const s of allowing(statements, 'elasticfilesystem:ClientMount')) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': ['HdfsFileSystem', 'Arn'] });
        expect(Object.keys(s.Condition?.StringEquals ?? {})).toEqual(['elasticfilesystem:AccessPointArn']);
      }
      // Only the dead-letter function touches the DLQ, and nothing else.
      const queue = role === 'DeadLetterRole' ? 'ComputeJobsDlq' : 'ComputeJobsQueue';
      for (const s of statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('sqs:')))) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
      }
      for (const s of allowing(statements, 'ssm:GetParameter')) {
        expect(JSON.stringify(s.Resource)).toContain(':parameter/dataframe-jobs/prod/jwt-secret');
      }
      const ownLogGroups = Object.entries(ROLE_OF_FUNCTION)
        .filter(([, r]) => r === role)
        .map(([fn]) => ({ 'Fn::GetAtt': [fn.replace(/LambdaFunction$/, 'LogGroup'), 'Arn'] }));
      expect(allowing(statements, 'logs:PutLogEvents').flatMap((s) => [s.Resource].flat())).toEqual(
        ownLogGroups,
      );
    },
  );
});

test('the HTTP API throttles its default route, and each compute function has reserved concurrency for Prefer: wait', () => {
  expect(props('HttpApiStage').DefaultRouteSettings).toMatchObject({
    ThrottlingBurstLimit: 400,
    ThrottlingRateLimit: 200,
  });
  for (const fn of ['ComputeGroupBy', 'ComputeNonNull', 'ComputeStats']) {
    // The 50 of the single compute function before, split over the three operations.
    expect(props(`${fn}LambdaFunction`).ReservedConcurrentExecutions).toBe(17);
    // The timeout bounds how long each of those instances is held by one request.
    expect(props(`${fn}LambdaFunction`).Timeout).toBeLessThanOrEqual(30);
  }
});

test('logs are kept 30 days; alarms go off when jobs are dead-lettered and when the DLQ is not drained', () => {
  for (const fn of FUNCTIONS) expect(props(`${fn}LogGroup`).RetentionInDays).toBe(30);
  const deadLettered = props('DeadLetteredJobsAlarm');
  expect(deadLettered).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Threshold: 1 });
  expect(deadLettered.Dimensions).toEqual([
    { Name: 'FunctionName', Value: { Ref: 'DeadLetterLambdaFunction' } },
  ]);
  const stuck = props('DlqDepthAlarm');
  expect(stuck).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 600 });
  expect(stuck.Dimensions).toEqual([
    { Name: 'QueueName', Value: { 'Fn::GetAtt': ['ComputeJobsDlq', 'QueueName'] } },
  ]);
});

test('the HTTP API routes every endpoint to its function', () => {
  const routes = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => r.Properties.RouteKey)
    .sort();
  expect(routes).toEqual([
    'DELETE /jobs/{id}',
    'GET /health',
    'GET /jobs',
    'GET /jobs/{id}',
    'GET /jobs/{id}/result',
    'POST /compute/group_by',
    'POST /compute/non_null',
    'POST /compute/stats',
  ]);
});

test('each compute operation has its own function, with the shared DuckDB settings and its own handler', () => {
  const handlers = ['ComputeGroupBy', 'ComputeNonNull', 'ComputeStats'].map((fn) => {
    const p = props(`${fn}LambdaFunction`);
    expect({ fn, memory: p.MemorySize, timeout: p.Timeout, arch: p.Architectures }).toEqual({
      fn,
      memory: 1024,
      timeout: 28,
      arch: ['x86_64'],
    });
    return p.Handler;
  });
  expect(handlers).toEqual([
    'functions/compute.groupBy',
    'functions/compute.nonNull',
    'functions/compute.stats',
  ]);
});

test('the result function runs DuckDB for its preview: x86_64 like its binding, 1,024 MB as the compute functions', () => {
  const p = props('GetJobResultLambdaFunction');
  expect({ memory: p.MemorySize, arch: p.Architectures }).toEqual({ memory: 1024, arch: ['x86_64'] });
});

test.each(Object.entries(MAX_ZIP_BYTES))(
  'the %s bundle stays under its size bound and carries a source map',
  async (name, bound) => {
    const zip = path.join(dir, `${name}.zip`);
    expect((await stat(zip)).size).toBeLessThan(bound);
    expect((await readFile(zip)).includes(Buffer.from('.mjs.map'))).toBe(true);
  },
);

test('the worker runs on two vCPUs with 10 GB of ephemeral storage for DuckDB to spill to', () => {
  const worker = props('WorkerLambdaFunction');
  expect(worker.MemorySize).toBe(3538);
  expect(worker.EphemeralStorage).toEqual({ Size: 10240 });
});

test("the worker's Node heap and DuckDB's memory limit together fit in the function's memory", () => {
  const worker = props('WorkerLambdaFunction');
  const memory = worker.MemorySize as number;
  const duckdb = engineSettings({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory) }).memoryLimitMb;
  const env = (worker.Environment as { Variables: Record<string, string> }).Variables;
  const heap = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1]);
  expect(heap).toBe(runtimeHeapMb(memory, duckdb));
  expect(env.NODE_OPTIONS).toContain('--enable-source-maps');
  expect(duckdb + heap).toBeLessThan(memory * 0.9);
});

test.each(DUCKDB_FUNCTIONS)(
  "the %s zip carries DuckDB's loader and its linux-x64 binding only, for an x86_64 function within Lambda's size limit",
  async (name) => {
    const entries = zipEntries(await readFile(path.join(dir, `${name}.zip`)));
    const names = entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(BINDING_FILES));
    expect(names.filter((n) => n.startsWith('node_modules/@duckdb/node-bindings-'))).toEqual(
      names.filter((n) => n.startsWith(`node_modules/${BINDING_PACKAGE}/`)),
    );
    expect(entries.reduce((sum, e) => sum + e.size, 0)).toBeLessThan(LAMBDA_UNZIPPED_LIMIT);
    const fn = props(`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`);
    expect(fn.Architectures).toEqual(['x86_64']);
  },
);

test("every function whose bundle requires DuckDB's bindings carries them in its zip", async () => {
  for (const name of Object.keys(MAX_ZIP_BYTES)) {
    const zip = await readFile(path.join(dir, `${name}.zip`));
    const entries = zipEntries(zip);
    const bundle = entries.find((e) => e.name === `functions/${bundleFile(name)}`);
    if (bundle === undefined) throw new Error(`${name}.zip has no bundle`);
    const requiresBindings = zipEntryData(zip, bundle).includes('"@duckdb/node-bindings"');
    const carries = BINDING_FILES.every((file) => entries.some((e) => e.name === file));
    expect({ name, requiresBindings, carries: requiresBindings && carries }).toEqual({
      name,
      requiresBindings,
      carries: requiresBindings,
    });
  }
});

test('the other functions carry no DuckDB binding', async () => {
  for (const name of Object.keys(MAX_ZIP_BYTES).filter((n) => !DUCKDB_FUNCTIONS.includes(n))) {
    const names = zipEntries(await readFile(path.join(dir, `${name}.zip`))).map((e) => e.name);
    expect(names.filter((n) => n.startsWith('node_modules/'))).toEqual([]);
  }
});

test('the packaged binding is an x86-64 ELF needing no newer glibc than Amazon Linux 2023 has', async () => {
  const zip = await readFile(path.join(dir, 'worker.zip'));
  for (const entry of zipEntries(zip).filter((e) => /\.(node|so)$/.test(e.name))) {
    const file = path.join(dir, path.basename(entry.name));
    await writeFile(file, zipEntryData(zip, entry));
    await expect(checkLambdaLoadable(file)).resolves.toBeUndefined();
  }
});

// Loading the Linux x64 binding needs a Linux x64 host; elsewhere the checks above still run.
(process.platform === 'linux' && process.arch === 'x64' ? test : test.skip)(
  "a handler bundled with the service's esbuild settings runs DuckDB from the worker zip laid out as in /var/task",
  async () => {
    const task = path.join(dir, 'var-task');
    await unzipTo(path.join(dir, 'worker.zip'), task);
    const state = JSON.parse(await readFile(path.join(dir, 'serverless-state.json'), 'utf8')) as {
      service: { custom: { esbuild: Record<string, unknown> & { exclude: string[] } } };
    };
    const { format, platform, target, mainFields, banner, exclude } = state.service.custom.esbuild;
    const probe = path.join(task, 'functions', 'duckdb-probe.mjs');
    await build({
      stdin: {
        contents: [
          "import { createRequire } from 'node:module';",
          "import { DuckDBInstance } from '@duckdb/node-api';",
          "const instance = await DuckDBInstance.create(':memory:');",
          'const connection = await instance.connect();',
          "const rows = (await connection.runAndReadAll('SELECT 42 AS answer')).getRowObjects();",
          "console.log(JSON.stringify({ rows, from: createRequire(import.meta.url).resolve('@duckdb/node-bindings') }));",
        ].join('\n'),
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      outfile: probe,
      external: exclude,
      ...({ format, platform, target, mainFields, banner } as object),
    });
    const { stdout } = await run(process.execPath, [probe], { cwd: task, env: { PATH: process.env.PATH } });
    const result = JSON.parse(stdout) as { rows: { answer: number }[]; from: string };
    expect(result.rows).toEqual([{ answer: 42 }]);
    expect(result.from).toBe(path.join(task, 'node_modules', '@duckdb', 'node-bindings', 'duckdb.js'));
  },
);
