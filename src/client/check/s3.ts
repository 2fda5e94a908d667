// Per bucket: the four things the worker and check do with S3, on a probe object under
// _audit-collect/probe/, each on its own line with the IAM action to grant when it is denied.
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ErrorType } from '../../common/failures';
import { classifyS3Error, s3ErrorCode } from '../../storage/s3-errors';
import { PROBE_PREFIX } from '../../model/types';
import { PROBE_KEY, honoursConditionalWrites } from '../../storage/conditional-writes';
import { createS3Store } from '../../storage/s3';
import { adviceFrom, fail, pass, warn, type CheckResult } from './result';

type Outcome = { ok: true } | { ok: false; denied: boolean; code: string; message: string };

async function attempt(params: { bucket: string; key: string; reading: boolean; send: () => Promise<unknown> }): Promise<Outcome> {
  try {
    await params.send();
    return { ok: true };
  } catch (error) {
    const failure = classifyS3Error({
      error,
      bucket: params.bucket,
      key: params.key,
      operation: params.reading ? 'GetObject' : 'PutObject',
    });
    return {
      ok: false,
      denied: failure.type === ErrorType.S3AccessDenied,
      code: s3ErrorCode(error),
      message: adviceFrom(failure.message),
    };
  }
}

export async function checkBucket(params: { s3: S3Client; bucket: string; probeId?: string }): Promise<CheckResult[]> {
  const { s3, bucket } = params;
  const key = `${PROBE_PREFIX}${params.probeId ?? randomBytes(8).toString('hex')}.txt`;
  const name = (action?: string) => (action ? `bucket ${bucket} ${action}` : `bucket ${bucket}`);
  const objects = `arn:aws:s3:::${bucket}/*`;
  const denied = (operation: string, outcome: { code: string }) => `${operation} was denied (${outcome.code})`;

  const put = await attempt({
    bucket,
    key,
    reading: false,
    send: () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'audit-collect check probe\n', ContentType: 'text/plain' })),
  });
  // A missing bucket, bad credentials or an unreachable server: one line says it for all four.
  if (!put.ok && !put.denied) return [fail(name(), put.message)];
  const results: CheckResult[] = [
    put.ok
      ? pass(name('s3:PutObject'), `wrote s3://${bucket}/${key}`)
      : fail(
          name('s3:PutObject'),
          `${denied('PutObject', put)}: grant the worker s3:PutObject on ${objects} (it writes objects and its checkpoint)`,
        ),
  ];

  if (put.ok) results.push(await checkConditionalWrites({ s3, bucket, name: name('conditional writes') }));

  const get = await attempt({ bucket, key, reading: true, send: () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })) });
  // Without the probe (its PutObject was denied), "no such key" shows that reading is allowed.
  const readable = get.ok || (!put.ok && get.code === 'NoSuchKey');
  if (readable)
    results.push(pass(name('s3:GetObject'), put.ok ? `read it back` : `a read of a missing key answered NoSuchKey, as it should`));
  else if (get.denied)
    results.push(
      fail(name('s3:GetObject'), `${denied('GetObject', get)}: grant the worker s3:GetObject on ${objects} (it reads its checkpoint)`),
    );
  else results.push(fail(name('s3:GetObject'), get.message));

  const list = await attempt({
    bucket,
    key,
    reading: true,
    send: () => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PROBE_PREFIX, MaxKeys: 1 })),
  });
  if (list.ok) results.push(pass(name('s3:ListBucket'), `listed ${PROBE_PREFIX}`));
  else if (list.denied) {
    results.push(
      fail(
        name('s3:ListBucket'),
        `${denied('ListObjectsV2', list)}: grant the worker s3:ListBucket on arn:aws:s3:::${bucket} (without it, AWS answers a read of a missing checkpoint with 403 instead of not found)`,
      ),
    );
  } else results.push(fail(name('s3:ListBucket'), list.message));

  const remove = await attempt({ bucket, key, reading: false, send: () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })) });
  if (remove.ok) {
    // The conditional-writes probe too (the worker writes it again once, if it finds it gone).
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: PROBE_KEY })).catch(() => undefined);
    results.push(pass(name('s3:DeleteObject'), put.ok ? 'removed the probe' : 'allowed'));
  } else if (remove.denied) {
    // The worker never deletes: only check needs this, to clean up after itself.
    const leftover = put.ok ? `, or delete s3://${bucket}/${key} by hand` : '';
    results.push(
      warn(
        name('s3:DeleteObject'),
        `${denied('DeleteObject', remove)}: the worker does not need it, but check does to remove its probe; grant s3:DeleteObject on arn:aws:s3:::${bucket}/${PROBE_PREFIX}*${leftover}`,
      ),
    );
  } else results.push(fail(name('s3:DeleteObject'), remove.message));
  return results;
}

/**
 * The write-once objects and the fenced checkpoint need `If-None-Match: *` honoured. Without it the
 * worker refuses the bucket unless AUDIT_COLLECT_ALLOW_UNFENCED_WRITES accepts the weaker guarantee.
 */
async function checkConditionalWrites(params: { s3: S3Client; bucket: string; name: string }): Promise<CheckResult> {
  const { bucket, name } = params;
  try {
    if (await honoursConditionalWrites({ store: createS3Store(params.s3), bucket }))
      return pass(
        name,
        `a second If-None-Match: * PutObject of s3://${bucket}/${PROBE_KEY} was refused (412): objects are written once, the checkpoint is fenced`,
      );
  } catch (error) {
    return fail(name, adviceFrom((error as Error).message));
  }
  const accepted = /^(true|1)$/.test(process.env.AUDIT_COLLECT_ALLOW_UNFENCED_WRITES ?? '');
  const what = `this S3 server ignores If-None-Match (a second write-once PutObject of ${PROBE_KEY} succeeded), so two writers of a rule could overwrite each other's objects and checkpoint`;
  return accepted
    ? warn(name, `${what}; accepted by AUDIT_COLLECT_ALLOW_UNFENCED_WRITES=true`)
    : fail(
        name,
        `${what}. Use a server with conditional writes (AWS S3, MinIO, R2, GCS, versitygw), or set AUDIT_COLLECT_ALLOW_UNFENCED_WRITES=true on the worker to accept the risk`,
      );
}
