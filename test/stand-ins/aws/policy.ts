// IAM policy documents as the stand-in treats them: validated the way IAM rejects malformed ones,
// stored reshaped (whitespace removed, single-item lists collapsed to scalars, as IAM and Lambda
// return them) and evaluated for trust policies and session permissions.
import { AwsError } from './errors.ts';

export type PolicyKind = 'trust' | 'identity';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', message, 400);
}

const statementKeys = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/**
 * Parses and validates a policy document, throwing `MalformedPolicyDocument` with IAM's messages.
 * A trust policy needs a principal and may not name resources; an identity policy is the reverse.
 */
export function parsePolicy(text: string, kind: PolicyKind): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed('This policy contains invalid Json');
  }
  const document = parsed as Record<string, unknown>;
  if (
    document.Version !== undefined &&
    document.Version !== '2012-10-17' &&
    document.Version !== '2008-10-17'
  ) {
    throw malformed('The policy failed legacy parsing');
  }
  const rawStatements = document.Statement;
  if (rawStatements === undefined) {
    throw malformed('Syntax errors in policy.');
  }
  const statements = (Array.isArray(rawStatements) ? rawStatements : [rawStatements]) as unknown[];
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) {
      throw malformed('Syntax errors in policy.');
    }
    const statement = raw as Record<string, unknown>;
    for (const key of Object.keys(statement)) {
      if (!statementKeys.has(key)) {
        throw malformed(`Syntax errors in policy. Unknown field ${key}`);
      }
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw malformed(`Invalid effect: ${String(statement.Effect)}`);
    }
    if (statement.Action === undefined && statement.NotAction === undefined) {
      throw malformed('Policy statement must contain actions.');
    }
    if (kind === 'trust') {
      if (statement.Resource !== undefined || statement.NotResource !== undefined) {
        throw malformed('Has prohibited field Resource');
      }
      if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
        throw malformed('Missing required field Principal');
      }
    } else {
      if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) {
        throw malformed('Policy document should not specify a principal.');
      }
      if (statement.Resource === undefined && statement.NotResource === undefined) {
        throw malformed('Policy statement must contain resources.');
      }
    }
  }
  return { ...(document as object), Statement: statements } as PolicyDocument;
}

function collapse(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

function collapseRecord(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, child]) => [key, collapse(child)]),
  );
}

/**
 * The document as IAM stores and returns it: whitespace removed and single-item lists collapsed to
 * scalars. The original `Statement` list is kept even with one statement, as IAM keeps it.
 */
export function reshapePolicy(text: string): string {
  const document = JSON.parse(text) as Record<string, unknown>;
  const statements = document.Statement;
  const reshapeStatement = (statement: Record<string, unknown>) => {
    const output: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(statement)) {
      if (key === 'Principal' || key === 'NotPrincipal') {
        output[key] = collapseRecord(value);
      } else if (key === 'Condition') {
        output[key] = Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([operator, entries]) => [
            operator,
            collapseRecord(entries),
          ]),
        );
      } else {
        output[key] = collapse(value);
      }
    }
    return output;
  };
  const reshaped = {
    ...document,
    Statement: Array.isArray(statements)
      ? statements.map((statement) => reshapeStatement(statement as Record<string, unknown>))
      : reshapeStatement(statements as Record<string, unknown>),
  };
  return JSON.stringify(reshaped);
}

/** IAM returns policy documents URL-encoded (RFC 3986). */
export function encodePolicy(text: string): string {
  return encodeURIComponent(text);
}

function asList(value: string | string[] | boolean | number | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** IAM wildcard matching: `*` is any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const expression = pattern
    .split('')
    .map((character) => {
      if (character === '*') {
        return '.*';
      }
      if (character === '?') {
        return '.';
      }
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${expression}$`, ignoreCase ? 'i' : '').test(value);
}

/** Request values for condition keys, by lower-case key. */
export type ConditionContext = Record<string, string | string[] | undefined>;

function conditionHolds(operator: string, expected: string[], actual: string[]): boolean {
  const base = operator.replace(/IfExists$/, '');
  const anyActual = (test: (value: string) => boolean) => actual.some(test);
  switch (base) {
    case 'StringEquals':
    case 'ArnEquals':
      return anyActual((value) => expected.includes(value));
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !anyActual((value) => expected.includes(value));
    case 'StringEqualsIgnoreCase':
      return anyActual((value) =>
        expected.some((item) => item.toLowerCase() === value.toLowerCase()),
      );
    case 'StringLike':
    case 'ArnLike':
      return anyActual((value) => expected.some((pattern) => wildcardMatch(pattern, value)));
    case 'StringNotLike':
    case 'ArnNotLike':
      return !anyActual((value) => expected.some((pattern) => wildcardMatch(pattern, value)));
    case 'Bool':
      return anyActual((value) =>
        expected.some((item) => item.toLowerCase() === value.toLowerCase()),
      );
    default:
      // An operator the stand-in does not know never matches: fail closed, as an unknown
      // operator would be rejected by IAM in the first place.
      return false;
  }
}

/** Returns whether every condition of a statement holds for the request's context values. */
export function conditionsHold(
  condition: PolicyStatement['Condition'],
  context: ConditionContext,
): boolean {
  for (const [rawOperator, entries] of Object.entries(condition ?? {})) {
    const forAllValues = rawOperator.startsWith('ForAllValues:');
    const operator = rawOperator.replace(/^(ForAnyValue|ForAllValues):/, '');
    for (const [key, expectedValue] of Object.entries(entries)) {
      const actual = asList(context[key.toLowerCase()]);
      const expected = asList(expectedValue);
      if (actual.length === 0) {
        // A missing key satisfies `...IfExists`, `ForAllValues:` and the negated operators, as in
        // IAM's evaluation logic; every other operator fails.
        if (operator.endsWith('IfExists') || forAllValues || /Not(Equals|Like)/.test(operator)) {
          continue;
        }
        return false;
      }
      const holds = forAllValues
        ? actual.every((value) => conditionHolds(operator, expected, [value]))
        : conditionHolds(operator, expected, actual);
      if (!holds) {
        return false;
      }
    }
  }
  return true;
}

function principalMatches(
  principal: PolicyStatement['Principal'],
  type: string,
  value: string,
): boolean {
  if (principal === '*') {
    return true;
  }
  if (principal === undefined) {
    return false;
  }
  return asList(principal[type]).some((item) => item === '*' || item === value);
}

/**
 * Returns whether a trust policy lets a principal perform an `sts:` action: some Allow statement matches
 * and no Deny statement does.
 */
export function trustAllows(
  document: PolicyDocument,
  request: { action: string; principalType: string; principal: string; context: ConditionContext },
): boolean {
  const matching = document.Statement.filter(
    (statement) =>
      asList(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true)) &&
      principalMatches(statement.Principal, request.principalType, request.principal) &&
      conditionsHold(statement.Condition, request.context),
  );
  return (
    matching.some((statement) => statement.Effect === 'Allow') &&
    !matching.some((statement) => statement.Effect === 'Deny')
  );
}

/** The result of evaluating identity policies for one action on one resource. */
export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

function statementApplies(
  statement: PolicyStatement,
  action: string,
  resource: string,
  context: ConditionContext,
): boolean {
  const actionMatches =
    statement.Action !== undefined
      ? asList(statement.Action).some((pattern) => wildcardMatch(pattern, action, true))
      : !asList(statement.NotAction).some((pattern) => wildcardMatch(pattern, action, true));
  const resourceMatches =
    statement.Resource !== undefined
      ? asList(statement.Resource).some((pattern) => wildcardMatch(pattern, resource))
      : !asList(statement.NotResource).some((pattern) => wildcardMatch(pattern, resource));
  return actionMatches && resourceMatches && conditionsHold(statement.Condition, context);
}

/** Evaluates identity policies: an explicit Deny wins, then any Allow, else an implicit deny. */
export function evaluateIdentityPolicies(
  documents: readonly PolicyDocument[],
  action: string,
  resource: string,
  context: ConditionContext,
): Decision {
  const statements = documents.flatMap((document) => document.Statement);
  const applying = statements.filter((statement) =>
    statementApplies(statement, action, resource, context),
  );
  if (applying.some((statement) => statement.Effect === 'Deny')) {
    return 'explicit-deny';
  }
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}
