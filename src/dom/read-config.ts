import type { LocalRankOptions, ModelOptions } from '../types.js';
import type { AttributeReader } from './attributes.js';
import { flag, text } from './attributes.js';

/**
 * The script tag's own attributes. They configure the instance that the
 * script starts for the markup; a tag without any `data-lr-*` attribute
 * starts nothing and only exposes `window.LocalRank`.
 */
export const SCRIPT_ATTRIBUTES = [
  'data-lr-namespace',
  'data-lr-model',
  'data-lr-model-base',
  'data-lr-model-device',
  'data-lr-model-dtype',
  'data-lr-model-version',
  'data-lr-runtime',
  'data-lr-storage',
  'data-lr-encrypt',
  'data-lr-currency',
  'data-lr-auto',
] as const;

export interface ScriptConfig {
  /** Whether to start an instance and drive the page's markup. */
  auto: boolean;
  options: LocalRankOptions;
  /** ISO 4217 code for `data-lr-field="price"` (e.g. `EUR`); without it prices are written as plain numbers. */
  currency?: string;
  /** Things the page author should fix, one line each (unknown attributes, unreadable values). */
  problems: string[];
}

const MODEL_OFF = ['off', 'none', 'false'];

/**
 * Builds the options from the script tag's attributes. Values are passed on
 * as written: the library's own option check reports bad ones (the instance's
 * `ready` rejects with INVALID_ARGUMENT naming the option).
 */
export function readConfig(read: AttributeReader, attributeNames: readonly string[]): ScriptConfig {
  const problems: string[] = [];
  const ours = attributeNames.filter((n) => n.toLowerCase().startsWith('data-lr-'));
  for (const name of ours) {
    if (!(SCRIPT_ATTRIBUTES as readonly string[]).includes(name.toLowerCase())) problems.push(`unknown attribute ${name} on the LocalRank script tag; ignored`);
  }
  const options: LocalRankOptions = {};
  const namespace = text(read, 'data-lr-namespace');
  if (namespace !== undefined) options.namespace = namespace;

  const modelId = text(read, 'data-lr-model');
  if (modelId !== undefined && MODEL_OFF.includes(modelId.toLowerCase())) {
    options.model = false;
  } else {
    const model: ModelOptions = {};
    if (modelId !== undefined) model.id = modelId;
    const baseUrl = text(read, 'data-lr-model-base');
    if (baseUrl !== undefined) model.baseUrl = baseUrl;
    const device = text(read, 'data-lr-model-device');
    if (device !== undefined) model.device = device as NonNullable<ModelOptions['device']>;
    const dtype = text(read, 'data-lr-model-dtype');
    if (dtype !== undefined) model.dtype = dtype as NonNullable<ModelOptions['dtype']>;
    const version = text(read, 'data-lr-model-version');
    if (version !== undefined) model.version = version;
    if (Object.keys(model).length > 0) options.model = model;
  }
  const runtimeUrl = text(read, 'data-lr-runtime');
  if (runtimeUrl !== undefined) options.runtimeUrl = runtimeUrl;
  const storage = text(read, 'data-lr-storage');
  if (storage !== undefined) options.storage = storage as NonNullable<LocalRankOptions['storage']>;
  const encrypt = flag(read, 'data-lr-encrypt', problems);
  if (encrypt !== undefined) options.encryptAtRest = encrypt;

  const config: ScriptConfig = { auto: ours.length > 0 && flag(read, 'data-lr-auto', problems) !== false, options, problems };
  const currency = text(read, 'data-lr-currency');
  if (currency !== undefined) config.currency = currency;
  return config;
}
