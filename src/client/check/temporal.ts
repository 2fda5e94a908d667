// Temporal: reachable, the namespace exists, it has the RuleId search attribute, and a worker polls
// the task queue for workflow and activity tasks.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { TemporalConnectionError } from '../../temporal/connect-failure';
import { fail, pass, type CheckResult } from './result';

// Values of temporal.api.enums.v1 (not imported: @temporalio/proto is not a dependency of src/).
const GRPC_NOT_FOUND = 5;
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPES = [
  { type: 1, what: 'workflow' },
  { type: 2, what: 'activity' },
] as const;

export const SEARCH_ATTRIBUTE = 'RuleId';

export async function checkTemporal(params: {
  connect: () => Promise<Client>;
  address: string;
  taskQueues: string[];
}): Promise<CheckResult[]> {
  let client: Client;
  try {
    client = await params.connect();
  } catch (error) {
    if (error instanceof TemporalConnectionError) return [fail('Temporal connection', error.message)];
    throw error;
  }
  try {
    return await checkNamespace({ client, address: params.address, taskQueues: params.taskQueues });
  } finally {
    await client.connection.close();
  }
}

async function checkNamespace(params: { client: Client; address: string; taskQueues: string[] }): Promise<CheckResult[]> {
  const { client } = params;
  const namespace = client.options.namespace;
  const results = [pass('Temporal connection', `connected to ${params.address}`)];
  try {
    await client.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (!isGrpcServiceError(error) || error.code !== GRPC_NOT_FOUND) throw error;
    results.push(
      fail(
        'Temporal namespace',
        `namespace ${namespace} does not exist on ${params.address}: set TEMPORAL_NAMESPACE to an existing one, or create it (temporal operator namespace create --namespace ${namespace})`,
      ),
    );
    return results;
  }
  results.push(pass('Temporal namespace', `${namespace} exists`));
  results.push(await guarded(`Temporal search attribute ${SEARCH_ATTRIBUTE}`, () => searchAttributeCheck({ client, namespace })));
  // One queue keeps the lines' names short; several name their queue.
  const several = params.taskQueues.length > 1;
  for (const taskQueue of params.taskQueues) {
    for (const { type, what } of TASK_QUEUE_TYPES) {
      results.push(
        await guarded(`Temporal ${what} task queue${several ? ` ${taskQueue}` : ''}`, (name) =>
          pollerCheck({ client, namespace, taskQueue, type, what, name }),
        ),
      );
    }
  }
  return results;
}

/** A call the server refused (e.g. a Cloud API key without the permission) fails its own line only. */
async function guarded(name: string, check: (name: string) => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check(name);
  } catch (error) {
    return fail(name, `the server refused the request: ${(error as Error).message}`);
  }
}

async function pollerCheck(params: {
  client: Client;
  namespace: string;
  taskQueue: string;
  type: number;
  what: string;
  name: string;
}): Promise<CheckResult> {
  const { namespace, taskQueue, what, name } = params;
  const { pollers } = await params.client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: params.type,
  });
  const count = pollers?.length ?? 0;
  if (count > 0) return pass(name, `${count} worker${count === 1 ? '' : 's'} polling ${taskQueue} for ${what} tasks`);
  return fail(
    name,
    `no worker is polling ${taskQueue} for ${what} tasks in namespace ${namespace}: start one (audit-collect worker) with TEMPORAL_NAMESPACE=${namespace} and AUDIT_COLLECT_TASK_QUEUE=${taskQueue}`,
  );
}

async function searchAttributeCheck(params: { client: Client; namespace: string }): Promise<CheckResult> {
  const { namespace } = params;
  const name = `Temporal search attribute ${SEARCH_ATTRIBUTE}`;
  const { customAttributes } = await params.client.connection.operatorService.listSearchAttributes({ namespace });
  const type = customAttributes?.[SEARCH_ATTRIBUTE];
  const fix =
    `temporal operator search-attribute create --namespace ${namespace} --name ${SEARCH_ATTRIBUTE} --type Keyword ` +
    `(on Temporal Cloud: tcld namespace search-attributes add --namespace ${namespace} --search-attribute ${SEARCH_ATTRIBUTE}=Keyword)`;
  if (type === undefined || type === null)
    return fail(name, `namespace ${namespace} lacks the ${SEARCH_ATTRIBUTE} search attribute: ${fix}`);
  if (Number(type) !== INDEXED_VALUE_TYPE_KEYWORD) {
    return fail(name, `${SEARCH_ATTRIBUTE} in namespace ${namespace} is not of type Keyword: remove it and create it again with ${fix}`);
  }
  return pass(name, `${SEARCH_ATTRIBUTE} (Keyword) is registered in ${namespace}`);
}
