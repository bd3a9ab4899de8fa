/** The families the engine ships (ResNet, BERT), in a frozen list: pass `[...DEFAULT_FAMILIES, yours]` to extend. */
import type { ModelFamily } from '../family.js';
import { RESNET_FAMILY } from './resnet.js';
import { BERT_FAMILY } from './bert.js';

export { RESNET_FAMILY } from './resnet.js';
export { BERT_FAMILY } from './bert.js';

export const DEFAULT_FAMILIES: readonly ModelFamily[] = Object.freeze([RESNET_FAMILY, BERT_FAMILY]);
