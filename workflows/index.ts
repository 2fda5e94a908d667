export { collectWorkflow } from './collect';
