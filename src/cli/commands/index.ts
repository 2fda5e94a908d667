// Every command, in the order the help lists them.
import type { Command } from '../command';
import { apply } from './apply';
import { backfill } from './backfill';
import { check } from './check';
import { codecServer } from './codec-server';
import { deleteCommand } from './delete';
import { help } from './help';
import { list } from './list';
import { pause } from './pause';
import { resume } from './resume';
import { status } from './status';
import { trigger } from './trigger';
import { verify } from './verify';
import { worker } from './worker';

export const COMMANDS: readonly Command[] = [
  worker,
  codecServer,
  check,
  apply,
  list,
  status,
  trigger,
  pause,
  resume,
  deleteCommand,
  verify,
  backfill,
  help,
];
