/**
 * The jobs' DynamoDB table in the packaged template (issue 11, the schema of
 * docs/ARCHITECTURE.md's job state), and every role's rights on it: on-demand,
 * keyed by `pk`, its three indexes, TTL, point-in-time recovery, kept when the
 * stack goes, least-privilege IAM (no Scan, no wildcard, the read routes
 * write nothing), and its alarms.
 */
import {
  actionsOf,
  iamRoles,
  lambdaFunctions,
  statementsOf,
  type Statement,
  type TemplateResource,
} from './iam.js';
import { jobTableDefinition } from '../../lib/jobs/job-table.js';
import { packagedService, type PackagedService } from './package.js';

const TABLE_NAME = 'dataframe-jobs-prod-jobs';
const TABLE_ARN = { 'Fn::GetAtt': ['JobsTable', 'Arn'] };
const indexArn = (index: string): unknown => ({
  'Fn::Join': ['', [TABLE_ARN, `/index/${index}`]],
});
/** Each index: its partition key (the sort key is always `created_key`). */
const INDEXES: Record<string, string> = {
  by_user: 'owner',
  by_user_status: 'owner_status',
  unfinished: 'unfinished',
};
/**
 * The DynamoDB actions of each role: what lib/jobs calls for its functions. A transition reads the job
 * (GetItem), writes it back on condition of the version read (PutItem) and then changes the user's active
 * count (UpdateItem); no transactions, so no ConditionCheckItem.
 */
const TRANSITION = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const DYNAMODB_ACTIONS: Record<string, string[]> = {
  HealthRole: [],
  SubmitRole: [...TRANSITION, 'dynamodb:DeleteItem', 'dynamodb:Query'],
  ReadRole: ['dynamodb:GetItem', 'dynamodb:Query'],
  CancelRole: TRANSITION,
  WorkerRole: TRANSITION,
  DeadLetterRole: TRANSITION,
};

let packaged: PackagedService;
beforeAll(async () => {
  packaged = await packagedService();
});

const resource = (id: string): TemplateResource => {
  const found = packaged.resources[id];
  if (found === undefined) throw new Error(`the template has no ${id}`);
  return found;
};
const table = (): Record<string, unknown> => resource('JobsTable').Properties;
const dynamoStatements = (role: string): Statement[] =>
  statementsOf(packaged.resources, role).filter((s) =>
    [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
  );

describe('the jobs table', () => {
  test('is an on-demand DynamoDB table named <service>-<stage>-jobs, keyed by pk alone', () => {
    expect(resource('JobsTable').Type).toBe('AWS::DynamoDB::Table');
    expect(table()).toMatchObject({
      TableName: TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    expect(table().ProvisionedThroughput).toBeUndefined();
    const attributes = table().AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect([...attributes].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName))).toEqual(
      ['created_key', 'owner', 'owner_status', 'pk', 'unfinished'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
    );
  });

  test.each(Object.entries(INDEXES))(
    'has the index %s: partition %s, sorted by created_key, every attribute projected',
    (name, partition) => {
      const indexes = (table().GlobalSecondaryIndexes ?? []) as { IndexName: string }[];
      expect(indexes.find((i) => i.IndexName === name)).toEqual({
        IndexName: name,
        KeySchema: [
          { AttributeName: partition, KeyType: 'HASH' },
          { AttributeName: 'created_key', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
      expect(indexes.map((i) => i.IndexName).sort()).toEqual(Object.keys(INDEXES));
    },
  );

  test('is the table the local stack creates (lib/jobs/job-table.ts), so that the code meets the same keys and indexes', () => {
    const local = jobTableDefinition(TABLE_NAME);
    const byName = <T extends { AttributeName?: string; IndexName?: string }>(list: readonly T[]): T[] =>
      [...list].sort((a, b) =>
        (a.AttributeName ?? a.IndexName ?? '').localeCompare(b.AttributeName ?? b.IndexName ?? ''),
      );
    expect({
      TableName: table().TableName,
      BillingMode: table().BillingMode,
      KeySchema: table().KeySchema,
      AttributeDefinitions: byName(table().AttributeDefinitions as { AttributeName: string }[]),
      GlobalSecondaryIndexes: byName(table().GlobalSecondaryIndexes as { IndexName: string }[]),
    }).toEqual({
      TableName: local.TableName,
      BillingMode: local.BillingMode,
      KeySchema: local.KeySchema,
      AttributeDefinitions: byName(local.AttributeDefinitions ?? []),
      GlobalSecondaryIndexes: byName(local.GlobalSecondaryIndexes ?? []),
    });
  });

  test('deletes finished jobs and idempotency keys by TTL on expires_at, kept 30 days by default', () => {
    expect(table().TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    const functions = lambdaFunctions(packaged.resources);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const env = (resource(fn).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect({
        fn,
        table: env.JOBS_TABLE,
        days: env.JOB_RETENTION_DAYS,
        endpoint: env.DYNAMODB_ENDPOINT ?? '',
      }).toEqual({
        fn,
        table: { Ref: 'JobsTable' },
        days: '30',
        // The cloud's functions talk to DynamoDB's regional endpoint: no local server (absent or empty).
        endpoint: '',
      });
    }
  });

  test('has point-in-time recovery on', () => {
    expect(table().PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  test('is kept, with the job history, when the stack is removed or an update would replace it', () => {
    expect(resource('JobsTable').DeletionPolicy).toBe('Retain');
    expect(resource('JobsTable').UpdateReplacePolicy).toBe('Retain');
  });

  test("is the stack's output JobsTableName", () => {
    expect(packaged.outputs.JobsTableName?.Value).toEqual({ Ref: 'JobsTable' });
  });
});

describe('IAM on the jobs table', () => {
  test('each role allows exactly the DynamoDB actions its functions call', () => {
    const roles = iamRoles(packaged.resources);
    expect(roles).toEqual(Object.keys(DYNAMODB_ACTIONS).sort());
    expect(Object.fromEntries(roles.map((role) => [role, actionsOf(dynamoStatements(role))]))).toEqual(
      Object.fromEntries(
        Object.entries(DYNAMODB_ACTIONS).map(([role, actions]) => [role, [...actions].sort()]),
      ),
    );
  });

  test('the read routes get one item from the table and query the two user indexes, and write nothing', () => {
    const read = dynamoStatements('ReadRole');
    expect(read.map((s) => ({ actions: [s.Action].flat().sort(), resources: [s.Resource].flat() }))).toEqual([
      { actions: ['dynamodb:GetItem'], resources: [TABLE_ARN] },
      { actions: ['dynamodb:Query'], resources: [indexArn('by_user'), indexArn('by_user_status')] },
    ]);
  });

  test('submissions query only the status index, to count a user stopped by their limit', () => {
    const query = dynamoStatements('SubmitRole').filter((s) => [s.Action].flat().includes('dynamodb:Query'));
    expect(query.map((s) => [s.Resource].flat())).toEqual([[indexArn('by_user_status')]]);
  });

  test('no role scans, uses a wildcard, or reaches anything but this table (and, to query, its indexes)', () => {
    const all = iamRoles(packaged.resources).flatMap((role) =>
      dynamoStatements(role).map((statement) => ({ role, statement })),
    );
    expect(all.length).toBeGreaterThan(0);
    for (const { role, statement } of all) {
      const actions = [statement.Action].flat();
      expect({ role, scan: actions.filter((a) => /^dynamodb:(Scan|\*)$|\*/.test(a)) }).toEqual({
        role,
        scan: [],
      });
      expect({ role, effect: statement.Effect, condition: statement.Condition }).toEqual({
        role,
        effect: 'Allow',
        condition: undefined,
      });
      const allowed = actions.includes('dynamodb:Query') ? Object.keys(INDEXES).map(indexArn) : [TABLE_ARN];
      // A statement mixing Query with an item action would give one of them the other's resources.
      if (actions.includes('dynamodb:Query')) expect(actions).toEqual(['dynamodb:Query']);
      for (const r of [statement.Resource].flat()) {
        expect({
          role,
          actions,
          resource: r,
          allowed: allowed.some((a) => JSON.stringify(a) === JSON.stringify(r)),
        }).toEqual({
          role,
          actions,
          resource: r,
          allowed: true,
        });
      }
    }
  });
});

test('alarms go off when the table throttles for 10 minutes or answers with system errors', () => {
  const query = (metric: string): string =>
    `SELECT SUM(${metric}) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = '${TABLE_NAME}'`;
  expect(resource('JobsTableThrottledAlarm').Properties).toMatchObject({
    AlarmName: 'dataframe-jobs-prod-jobs-table-throttled',
    Metrics: [{ Id: 'throttled', Expression: query('ThrottledRequests'), Period: 300, ReturnData: true }],
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });
  expect(resource('JobsTableErrorsAlarm').Properties).toMatchObject({
    AlarmName: 'dataframe-jobs-prod-jobs-table-errors',
    Metrics: [{ Id: 'errors', Expression: query('SystemErrors'), Period: 300, ReturnData: true }],
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });
});
