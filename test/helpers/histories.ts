// Reads a history saved by dev/save-histories.ts: `temporal workflow show --output json`, with the
// run's workflow ID beside its events.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

// The SDK's historyFromJSON (which the replayer calls on JSON) throws "type must be a Type" here:
// @temporalio/common and @temporalio/proto each carry their own copy of protobufjs, and protojson
// checks its argument against its own copy's Type. So parse with the copy proto's types come from.
const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as {
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function loadHistory(file: string): { workflowId: string; history: History } {
  const { workflowId, events } = JSON.parse(readFileSync(file, 'utf8')) as { workflowId?: string; events?: unknown[] };
  const history = protojson.fromJson(historyType, { events }, { ignoreUnknownFields: true });
  if (!workflowId || !history?.events?.length) throw new Error(`${file} is not a saved history (a workflowId and events)`);
  return { workflowId, history };
}
