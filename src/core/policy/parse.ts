// Parses and validates a policy from JSON text or a value, keeping the raw text as the user wrote it.
import { formatIssues, issueList, type Issue } from '../validation.js';
import { policySchema, type Policy } from './schema.js';

export class PolicyError extends Error {
  /** The problems with the field each concerns, where one is known. */
  readonly issues: Issue[];
  constructor(readonly problems: string[], issues?: Issue[]) {
    super(`invalid policy: ${problems.join('; ')}`);
    this.issues = issues ?? problems.map((message) => ({ path: '', message }));
    this.name = 'PolicyError';
  }
}

export interface ParsedPolicy {
  readonly raw: string;
  readonly policy: Policy;
}

export function validatePolicy(value: unknown): Policy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyError(['a policy must be a JSON object, e.g. {"base_key_env":"OPENAI_API_KEY"}']);
  }
  const result = policySchema.safeParse(value, { reportInput: true });
  if (!result.success) throw new PolicyError(formatIssues(result.error), issueList(result.error));
  return result.data;
}

export function parsePolicy(raw: string): ParsedPolicy {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new PolicyError([`invalid policy JSON: ${(err as Error).message}`]);
  }
  return { raw, policy: validatePolicy(value) };
}
