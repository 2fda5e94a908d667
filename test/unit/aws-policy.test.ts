// deploy/aws/: the worker's IAM policy grants exactly the S3 actions behind the S3 commands in src/
// (found by reading the code, so a new command fails here until the policy and docs/aws.md say
// why it needs what), each on no more than it needs; the IRSA trust policy names the manifests'
// service account.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE_PREFIX, STATE_PREFIX } from '../../src/model/types';
import { kustomizeBuild, only, parseResources } from '../helpers/kubernetes';

const ROOT = join(__dirname, '..', '..');
const BUCKET = 'arn:aws:s3:::audit-logs';
const DATA_PREFIX = 'atlassian/audit/';

/** The IAM action each S3 command needs (ListObjectsV2 is authorized as s3:ListBucket). */
const ACTION_OF_COMMAND: Record<string, string> = {
  PutObjectCommand: 's3:PutObject',
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  ListObjectsV2Command: 's3:ListBucket',
  DeleteObjectCommand: 's3:DeleteObject',
};

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

const policy = JSON.parse(readFileSync(join(ROOT, 'deploy', 'aws', 'worker-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every S3 command src/ sends: `new XCommand(` in the files that import from the S3 client. */
function s3CommandsInSrc(): Set<string> {
  const commands = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from '@aws-sdk/client-s3'")) continue;
    for (const match of text.matchAll(/new (\w+Command)\(/g)) commands.add(match[1]!);
  }
  return commands;
}

const grants = (action: string) => policy.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);

test('the policy grants exactly the S3 actions of the commands src/ sends, and only Allow statements', () => {
  const commands = s3CommandsInSrc();
  expect([...commands].filter((c) => !(c in ACTION_OF_COMMAND))).toEqual([]);
  expect(commands).toEqual(new Set(['PutObjectCommand', 'GetObjectCommand', 'ListObjectsV2Command', 'DeleteObjectCommand']));
  const needed = new Set([...commands].map((c) => ACTION_OF_COMMAND[c]));
  const granted = new Set(policy.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith('s3:')));
  expect(granted).toEqual(needed);
  expect(policy.Version).toBe('2012-10-17');
  expect(new Set(policy.Statement.map((s) => s.Effect))).toEqual(new Set(['Allow']));
  for (const action of policy.Statement.flatMap((s) => s.Action)) expect(action).not.toContain('*');
});

test('objects are written and read under the data prefix and _audit-collect/ only; the bucket is listed; only probes deleted', () => {
  const collector = STATE_PREFIX.split('/')[0];
  expect(PROBE_PREFIX.startsWith(`${collector}/`)).toBe(true);
  const objects = [`${BUCKET}/${DATA_PREFIX}*`, `${BUCKET}/${collector}/*`].sort();
  expect(grants('s3:PutObject').sort()).toEqual(objects);
  expect(grants('s3:GetObject').sort()).toEqual(objects);
  expect(grants('s3:ListBucket')).toEqual([BUCKET]);
  expect(grants('s3:DeleteObject')).toEqual([`${BUCKET}/${PROBE_PREFIX}*`]);
});

test('the KMS key may only encrypt and decrypt, and only through S3', () => {
  const kms = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
  expect(kms).toHaveLength(1);
  expect(kms[0]!.Action.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  expect(kms[0]!.Resource).toEqual([expect.stringMatching(/^arn:aws:kms:[\w-]+:\d{12}:key\/[\w-]+$/)]);
  expect(kms[0]!.Condition?.StringEquals?.['kms:ViaService']).toMatch(/^s3\.[\w-]+\.amazonaws\.com$/);
});

test("the IRSA trust policy lets only the manifests' service account assume the role, for STS", () => {
  const trust = JSON.parse(readFileSync(join(ROOT, 'deploy', 'aws', 'worker-trust-policy.json'), 'utf8')) as { Statement: Statement[] };
  const account = only(parseResources(kustomizeBuild('base')), 'ServiceAccount');
  expect(trust.Statement).toHaveLength(1);
  const [statement] = trust.Statement as [Statement & { Principal: { Federated: string } }];
  expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
  const provider = statement.Principal.Federated.replace(/^arn:aws:iam::\d{12}:oidc-provider\//, '');
  expect(statement.Condition?.StringEquals).toEqual({
    [`${provider}:sub`]: `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`,
    [`${provider}:aud`]: 'sts.amazonaws.com',
  });
  // The role the service account names is the one this trust policy belongs to (same account).
  expect(account.metadata.annotations?.['eks.amazonaws.com/role-arn']).toContain(':111122223333:');
});

test('docs/aws.md shows the policies exactly as deploy/aws/ has them', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'aws.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
  const file = (name: string) => JSON.parse(readFileSync(join(ROOT, 'deploy', 'aws', name), 'utf8')) as unknown;
  expect(blocks).toEqual([file('worker-policy.json'), file('worker-trust-policy.json')]);
});
