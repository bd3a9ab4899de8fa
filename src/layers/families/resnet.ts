/** The multi-exit ResNet family (config.architecture 'resnet-multi-exit'): images, Fashion-MNIST data. */
import { ArgumentError } from '../../tensor/errors.js';
import { RESNET_ARCHITECTURE, parseResNetConfig } from '../config.js';
import { ResNetModel, buildResNet } from '../resnet.js';
import type { ModelFamily } from '../family.js';

export const RESNET_FAMILY: ModelFamily<ResNetModel> = Object.freeze<ModelFamily<ResNetModel>>({
  architecture: RESNET_ARCHITECTURE,
  input: 'image',
  batchInvariant: true,
  data: Object.freeze({
    resolver: 'images',
    sources: Object.freeze(['fashion-mnist:sample', 'fashion-mnist:heldout', 'fashion-mnist:test', 'fashion-mnist:train']),
    heldout: 'fashion-mnist:heldout',
    defaultDistortion: 'gaussian-noise:deploy',
  }),
  parseConfig: (config) => parseResNetConfig(config),
  build: (config, tensors, kernels, source) => buildResNet(config, tensors, kernels, source),
  owns: (network): network is ResNetModel => network instanceof ResNetModel,
  prepareInput(network, input) {
    if (input.kind !== 'image') throw new ArgumentError(`${RESNET_ARCHITECTURE}: prepareInput: got a ${input.kind} input, expected pixels ({kind: 'image'})`);
    return { x: network.prepareInput(input.pixels, input.out), mask: undefined };
  },
  forwardAll: (network, x) => network.forwardAll(x),
  profile: (network) => network.profile,
});
