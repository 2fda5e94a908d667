// The queries a backfill answers, defined once for the workflows that answer them and the CLI that asks.
import { defineQuery } from '@temporalio/workflow';
import type { BackfillProgress, SliceReport, SliceState } from './backfill';

export const progressQuery = defineQuery<BackfillProgress>('progress');
/** Every slice with its state as of its last report to the parent (running slices: as started). */
export const slicesQuery = defineQuery<SliceReport[]>('slices');
/** A slice's own cursor and counts, updated after every batch. */
export const sliceStateQuery = defineQuery<SliceState>('sliceState');
