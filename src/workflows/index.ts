export { collectWorkflow } from './collect';
export { backfillWorkflow, backfillSliceWorkflow } from './backfill';
