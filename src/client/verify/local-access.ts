// What `verify` reads with: S3 as the worker would reach it, and the Atlassian API when the rule's
// API key resolves on this host.
import { createAtlassianClient } from '../../atlassian/client';
import { createPacer } from '../../atlassian/pacer';
import { createSecretResolver } from '../../secrets/api-keys';
import type { RuleSpec } from '../../model/types';
import { createZstd } from '../../pipeline/zstd';
import { createS3Client, createS3Store } from '../../storage/s3';
import { readWorkerConfig } from '../../worker/config';
import { createSiteAuditClient } from '../../sites/client';
import { orgSourceIds, siteSourceIds, verifyRule, type VerifyReport } from './verify';

type Source = Parameters<typeof verifyRule>[0]['source'];

export async function verifyWithLocalAccess(params: {
  rule: RuleSpec;
  fromMs?: number;
  toMs?: number;
  progress: boolean;
}): Promise<VerifyReport> {
  const config = readWorkerConfig();
  const s3 = createS3Client({ forcePathStyle: config.AUDIT_COLLECT_S3_FORCE_PATH_STYLE });
  let source: Source;
  try {
    const resolver = createSecretResolver({
      envPattern: config.AUDIT_COLLECT_SECRET_ENV_PATTERN,
      secretsDir: config.AUDIT_COLLECT_SECRETS_DIR,
      allowedHosts: config.AUDIT_COLLECT_ALLOWED_API_HOSTS,
    });
    const { connection } = params.rule;
    const apiKey = resolver.resolve({ connection });
    const pacer = createPacer({ perMinute: config.AUDIT_COLLECT_MAX_REQUESTS_PER_MINUTE, burst: 10 });
    const timeoutMs = config.AUDIT_COLLECT_HTTP_TIMEOUT_MS;
    source = {
      ids: connection.source
        ? siteSourceIds({
            api: createSiteAuditClient({ timeoutMs, pacer }),
            connection,
            token: apiKey,
            pageLimit: config.AUDIT_COLLECT_PAGE_LIMIT,
          })
        : orgSourceIds({ source: createAtlassianClient({ timeoutMs, pacer }), rule: params.rule, apiKey }),
    };
  } catch (error) {
    source = { reason: `${params.rule.connection.apiKeyRef} does not resolve here (${(error as Error).message.split('. ')[0]})` };
  }
  return verifyRule({
    rule: params.rule,
    s3,
    store: createS3Store(s3),
    compressor: createZstd(),
    source,
    fromMs: params.fromMs,
    toMs: params.toMs,
    onProgress: params.progress ? (done, total) => process.stderr.write(`\rreading objects ${done}/${total}`) : undefined,
  }).finally(() => params.progress && process.stderr.write('\n'));
}
