/** The multi-exit BERT family (splitee.architecture 'bert-multi-exit'): texts, SpamAssassin data. */
import { ArgumentError } from '../../tensor/errors.js';
import { BERT_ARCHITECTURE, parseBertConfig, isBertConfig } from '../bert-config.js';
import { BertModel, buildBert } from '../bert.js';
import type { ModelFamily } from '../family.js';

export const BERT_FAMILY: ModelFamily<BertModel> = Object.freeze<ModelFamily<BertModel>>({
  architecture: BERT_ARCHITECTURE,
  input: 'text',
  data: Object.freeze({
    resolver: 'text',
    sources: Object.freeze(['spam-assassin:target', 'spam-assassin:source-heldout', 'spam-assassin:source-train', 'spam-assassin:source']),
    heldout: 'spam-assassin:source-heldout',
    defaultDistortion: undefined,
  }),
  parseConfig: (config) => parseBertConfig(config),
  build: (config, tensors, kernels, source, name) => buildBert(config, tensors, kernels, source, name),
  matches: (config) => isBertConfig(config),
  owns: (network): network is BertModel => network instanceof BertModel,
  prepareInput(_network, input) {
    if (input.kind !== 'text') throw new ArgumentError(`${BERT_ARCHITECTURE}: prepareInput: got an ${input.kind} input, expected texts and a tokenizer ({kind: 'text'})`);
    const b = input.tokenizer.encodeBatch(input.texts);
    return { x: b.ids, mask: b.mask };
  },
  forwardAll: (network, x, mask) => network.forwardAll(x, mask),
  profile: (network) => network.profile,
});
