/**
 * Reading the IAM side of the packaged CloudFormation template: which role
 * each function runs with, and what each role allows. Used by
 * template.test.ts; a function added to serverless.yml without a role of its
 * own, or a role granting an action nobody listed, fails there.
 *
 * @module
 */

/** A resource of the template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
  /** What CloudFormation does with it when the stack is deleted (`Delete` when absent). */
  readonly DeletionPolicy?: string;
  /** What CloudFormation does with the old one when an update replaces it (`Delete` when absent). */
  readonly UpdateReplacePolicy?: string;
}

/** One statement of an IAM policy. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The logical ids of every Lambda function of the template, sorted. */
export function lambdaFunctions(resources: Record<string, TemplateResource>): string[] {
  return Object.keys(resources)
    .filter((id) => resources[id]!.Type === 'AWS::Lambda::Function')
    .sort();
}

/**
 * The logical id of the role `functionId` runs with.
 *
 * @throws Error naming the function when its role is not an `AWS::IAM::Role` of the template
 */
export function roleOf(resources: Record<string, TemplateResource>, functionId: string): string {
  const role = resources[functionId]?.Properties.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (id === undefined || resources[id]?.Type !== 'AWS::IAM::Role') {
    throw new Error(
      `${functionId} has no role of its own: give it \`role: <Name>Role\` in serverless.yml and declare the role under resources`,
    );
  }
  return id;
}

/** Every statement of the inline policies of role `roleId`. */
export function statementsOf(resources: Record<string, TemplateResource>, roleId: string): Statement[] {
  const policies = (resources[roleId]!.Properties.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

/** The actions `statements` allow, sorted and without repeats. */
export function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
}

/** The logical ids of every IAM role of the template, sorted. */
export function iamRoles(resources: Record<string, TemplateResource>): string[] {
  return Object.keys(resources)
    .filter((id) => resources[id]!.Type === 'AWS::IAM::Role')
    .sort();
}

/** The statements of `statements` that allow `action`. */
export function allowing(statements: readonly Statement[], action: string): Statement[] {
  return statements.filter((s) => [s.Action].flat().includes(action));
}
