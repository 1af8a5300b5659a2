// The PII detector names a policy may list under `detect`. The detectors themselves live with the rule engine.
export const PII_TYPES = [
  'ssn', 'credit_card', 'email', 'phone', 'ip_address', 'aws_key',
  'api_key', 'jwt', 'private_key', 'connection_string', 'github_token',
] as const;

export type PiiType = (typeof PII_TYPES)[number];
