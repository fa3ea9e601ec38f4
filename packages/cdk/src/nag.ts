import { Stack } from 'aws-cdk-lib';
import type { IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Where aws-cdk-lib's `Validations.acknowledge()` records acknowledged rules, and where cdk-nag (v3) reads them.
 * Written directly so the constructs work with aws-cdk-lib versions older than that API and need no cdk-nag.
 */
const ACKNOWLEDGED_RULES_METADATA_KEY = 'aws:cdk:acknowledged-rules';

/** Records why a rule's finding on `scope` (and everything under it) is accepted: rule id -> reason. */
export function acknowledgeRules(scope: IConstruct, rules: Readonly<Record<string, string>>): void {
  if (Object.keys(rules).length > 0) scope.node.addMetadata(ACKNOWLEDGED_RULES_METADATA_KEY, { ...rules });
}

/** A CloudFormation value as cdk-nag names it in a finding (`<Bucket.Arn>/*`, `arn:<AWS::Partition>:...`). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Fn::Sub' in o) return flatten(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if ('Fn::ImportValue' in o) return flatten(o['Fn::ImportValue']);
    if ('Ref' in o) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Adds a statement whose wildcards are deliberate, and acknowledges exactly the AwsSolutions-IAM5 findings it causes,
 * each with `reason`, on the principal's construct (so its default policy is covered).
 */
export function addExplainedStatement(
  principal: IPrincipal & IConstruct,
  statement: PolicyStatement,
  reason: string,
): void {
  principal.addToPrincipalPolicy(statement);
  const json = Stack.of(principal).resolve(statement.toStatementJson()) as { Action?: unknown; Resource?: unknown };
  const rules: Record<string, string> = {};
  for (const action of asArray(json.Action)) {
    if (typeof action === 'string' && action.includes('*')) rules[`AwsSolutions-IAM5[Action::${action}]`] = reason;
  }
  for (const resource of asArray(json.Resource)) {
    const flat = flatten(resource);
    if (flat.includes('*')) rules[`AwsSolutions-IAM5[Resource::${flat}]`] = reason;
  }
  acknowledgeRules(principal, rules);
}
