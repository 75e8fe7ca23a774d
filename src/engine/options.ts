import { LocalRankError } from '../errors.js';
import type { EventType, LocalRankOptions } from '../types.js';
import type { LowMemoryThresholds } from './capabilities.js';
import { DEFAULT_LOW_MEMORY } from './capabilities.js';
import type { RequestedDevice } from './encoder/backend.js';
import type { LearningConfig } from './learning/feedback.js';
import type { FoldInSettings } from './learning/fold-in.js';
import { DEFAULT_FOLD_IN } from './learning/fold-in.js';
import { validateExperimentName } from './offers/arms.js';
import { reportCategories } from './privacy/randomized-response.js';
import { DEFAULT_EVENT_WEIGHTS } from './summary/types.js';
import { EVENT_TYPES } from './validate.js';

/** The fully resolved configuration the engine runs with. */
export interface EngineConfig {
  namespace: string;
  storage: 'indexeddb' | 'memory';
  model: { id: string; baseUrl?: string; dtype?: string; device: RequestedDevice; batchSize: number; version?: string } | false;
  runtimeUrl?: string;
  eventWeights: Record<EventType, number>;
  halfLifeDays: number;
  embeddingCacheSize: number;
  maxEvents: number;
  encryptAtRest: boolean;
  offers: { experiment: string; split: number } | null;
  interestReports: { categories: string[] } | null;
  /** The on-device learner; null when turned off. */
  learning: LearningConfig | null;
  cf: FoldInSettings;
  /** Device-memory thresholds of the capability ladder; null when the host turned them off. */
  lowMemory: LowMemoryThresholds | null;
}

export const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';
const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4'];
const DEVICES = ['auto', 'wasm', 'webgpu'];

const bad = (field: string, problem: string): never => {
  throw new LocalRankError('INVALID_ARGUMENT', `options.${field} ${problem}`, `options.${field}`);
};

function positive(field: string, v: unknown, fallback: number, { integer = false, allowZero = false } = {}): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0) || (integer && !Number.isInteger(v))) {
    bad(field, `must be a ${integer ? 'whole' : 'finite'} number ${allowZero ? '>= 0' : '> 0'}`);
  }
  return v as number;
}

/** Validates host options and fills in the defaults. URLs must already be absolute. */
export function resolveOptions(options: LocalRankOptions | undefined): EngineConfig {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new LocalRankError('INVALID_ARGUMENT', 'options must be an object', 'options');
  }
  const o = (options ?? {}) as Record<string, unknown> & LocalRankOptions;
  const namespace = o.namespace ?? 'default';
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) bad('namespace', 'must be 1 to 64 characters of A-Z a-z 0-9 _ -');
  const storage = o.storage ?? 'indexeddb';
  if (storage !== 'indexeddb' && storage !== 'memory') bad('storage', "must be 'indexeddb' or 'memory'");

  let model: EngineConfig['model'] = false;
  if (o.model !== false) {
    if (o.model !== undefined && (typeof o.model !== 'object' || o.model === null || Array.isArray(o.model))) bad('model', 'must be an object or false');
    const m = o.model ?? {};
    const id = m.id ?? DEFAULT_MODEL_ID;
    if (typeof id !== 'string' || id.length === 0 || id.length > 256) bad('model.id', 'must be a non-empty string');
    if (m.dtype !== undefined && !DTYPES.includes(m.dtype)) bad('model.dtype', `must be one of ${DTYPES.join(', ')}`);
    const device = m.device ?? 'auto';
    if (!DEVICES.includes(device)) bad('model.device', `must be one of ${DEVICES.join(', ')}`);
    if (m.baseUrl !== undefined && (typeof m.baseUrl !== 'string' || m.baseUrl.length === 0)) bad('model.baseUrl', 'must be a URL');
    if (m.version !== undefined && (typeof m.version !== 'string' || m.version.length === 0 || m.version.length > 256)) bad('model.version', 'must be a string of 1 to 256 characters');
    model = { id, device, batchSize: positive('model.batchSize', m.batchSize, 32, { integer: true }) };
    if (m.baseUrl !== undefined) model.baseUrl = m.baseUrl;
    if (m.dtype !== undefined) model.dtype = m.dtype;
    if (m.version !== undefined) model.version = m.version;
  }

  const eventWeights = { ...DEFAULT_EVENT_WEIGHTS };
  if (o.eventWeights !== undefined) {
    if (typeof o.eventWeights !== 'object' || o.eventWeights === null || Array.isArray(o.eventWeights)) bad('eventWeights', 'must be an object');
    for (const [type, w] of Object.entries(o.eventWeights)) {
      if (!EVENT_TYPES.includes(type as EventType)) bad(`eventWeights.${type}`, 'is not an event type');
      if (typeof w !== 'number' || !Number.isFinite(w)) bad(`eventWeights.${type}`, 'must be a finite number');
      eventWeights[type as EventType] = w as number;
    }
  }
  if (o.runtimeUrl !== undefined && (typeof o.runtimeUrl !== 'string' || o.runtimeUrl.length === 0)) bad('runtimeUrl', 'must be a URL');

  const config: EngineConfig = {
    namespace,
    storage,
    model,
    eventWeights,
    halfLifeDays: positive('halfLifeDays', o.halfLifeDays, 14),
    embeddingCacheSize: positive('embeddingCacheSize', o.embeddingCacheSize, 5000, { integer: true, allowZero: true }),
    maxEvents: positive('maxEvents', o.maxEvents, 2000, { integer: true }),
    encryptAtRest: o.encryptAtRest ?? false,
    offers: null,
    interestReports: null,
    learning: resolveLearning(o.learning),
    cf: { ...DEFAULT_FOLD_IN },
    lowMemory: resolveLowMemory(o.lowMemory),
  };
  if (typeof config.encryptAtRest !== 'boolean') bad('encryptAtRest', 'must be true or false');
  if (o.offers !== undefined) {
    if (typeof o.offers !== 'object' || o.offers === null || Array.isArray(o.offers)) bad('offers', 'must be { experiment, split? }');
    const experiment = validateExperimentName(o.offers.experiment, 'options.offers.experiment');
    const split = o.offers.split ?? 0.5;
    if (typeof split !== 'number' || !(split > 0 && split < 1)) bad('offers.split', 'must be a number between 0 and 1 (the treatment share)');
    config.offers = { experiment, split };
  }
  if (o.interestReports !== undefined) {
    if (typeof o.interestReports !== 'object' || o.interestReports === null) bad('interestReports', 'must be { categories }');
    const categories = (o.interestReports as { categories?: unknown }).categories;
    if (!Array.isArray(categories) || categories.length === 0) bad('interestReports.categories', 'must be a non-empty array of category names');
    config.interestReports = { categories: reportCategories(categories as string[]) };
  }
  if (o.cf !== undefined) {
    if (typeof o.cf !== 'object' || o.cf === null || Array.isArray(o.cf)) bad('cf', 'must be { regularization?, alpha? }');
    config.cf = {
      regularization: positive('cf.regularization', o.cf.regularization, DEFAULT_FOLD_IN.regularization),
      alpha: positive('cf.alpha', o.cf.alpha, DEFAULT_FOLD_IN.alpha, { allowZero: true }),
    };
  }
  if (o.runtimeUrl !== undefined) config.runtimeUrl = o.runtimeUrl;
  return config;
}

function resolveLearning(raw: unknown): LearningConfig | null {
  if (raw === false) return null;
  const config: LearningConfig = { ips: true, positionBias: 'default' };
  if (raw === undefined) return config;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('learning', "must be false or { ips?, positionBias? }");
  const { ips, positionBias } = raw as Record<string, unknown>;
  if (ips !== undefined && typeof ips !== 'boolean') bad('learning.ips', 'must be true or false');
  if (positionBias !== undefined && positionBias !== 'default' && positionBias !== 'estimated') bad('learning.positionBias', "must be 'default' or 'estimated'");
  if (ips !== undefined) config.ips = ips as boolean;
  if (positionBias !== undefined) config.positionBias = positionBias as LearningConfig['positionBias'];
  return config;
}

function resolveLowMemory(raw: unknown): LowMemoryThresholds | null {
  if (raw === false) return null;
  if (raw === undefined) return { ...DEFAULT_LOW_MEMORY };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('lowMemory', 'must be false or { smallerDtypeBelowGb?, lexicalBelowGb? }');
  const { smallerDtypeBelowGb, lexicalBelowGb } = raw as Record<string, unknown>;
  return {
    smallerDtypeBelowGb: positive('lowMemory.smallerDtypeBelowGb', smallerDtypeBelowGb, DEFAULT_LOW_MEMORY.smallerDtypeBelowGb, { allowZero: true }),
    lexicalBelowGb: positive('lowMemory.lexicalBelowGb', lexicalBelowGb, DEFAULT_LOW_MEMORY.lexicalBelowGb, { allowZero: true }),
  };
}
