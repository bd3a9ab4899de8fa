/**
 * Data sources: a named data set (or a file) -> a TraceSource a model can run over, for every command
 * (trace, run, claims, alpha auto). A model's family names the resolver its data goes through
 * (family.data.resolver, src/layers/family.ts) and its default and held-out sets; DATA_SOURCES maps
 * resolver names to the Node resolvers (files, Fashion-MNIST, SpamAssassin). A caller with its own
 * family and data passes its own `sources` to resolveSource.
 */
import { ArgumentError } from '../tensor/errors.js';
import { ResNetModel } from '../layers/resnet.js';
import { BertModel } from '../layers/bert.js';
import type { LoadedModel } from './models/load.js';
import { resolveImageSource } from './sources/image-source.js';
import { resolveTextSource } from './sources/text-source.js';
import type { SourceRequest, TraceSource } from './sources/source.js';

export type { SourceRequest, TraceSource } from './sources/source.js';

export type SourceResolver = (model: LoadedModel, req: SourceRequest) => TraceSource;

/** The Node data resolvers, by the name a family gives (family.data.resolver). */
export const DATA_SOURCES: Readonly<Record<string, SourceResolver>> = Object.freeze({
  images: (model: LoadedModel, req: SourceRequest): TraceSource => {
    if (!(model.network instanceof ResNetModel)) throw new ArgumentError(`trace: model ${model.id} is not an image network: got ${model.architecture}, expected a ResNetModel`);
    return resolveImageSource(model.network, model.config, req, model.dir);
  },
  text: (model: LoadedModel, req: SourceRequest): TraceSource => {
    if (!(model.network instanceof BertModel)) throw new ArgumentError(`trace: model ${model.id} is not a text network: got ${model.architecture}, expected a BertModel`);
    return resolveTextSource(model.network, model.dir, req);
  },
});

/** The data source of `req` for `model`, through the resolver its family names. */
export function resolveSource(model: LoadedModel, req: SourceRequest, where = 'run', sources: Readonly<Record<string, SourceResolver>> = DATA_SOURCES): TraceSource {
  const name = model.family.data.resolver;
  const resolve = Object.hasOwn(sources, name) ? sources[name] : undefined;
  if (resolve === undefined) throw new ArgumentError(`${where}: no data sources for architecture ${model.architecture}: got resolver '${name}', expected one of ${Object.keys(sources).join(', ')}`);
  return resolve(model, req);
}
