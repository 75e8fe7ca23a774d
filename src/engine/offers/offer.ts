/**
 * Offer prices: a price suggestion from an item's ranking score for this
 * person, always inside the host's bounds.
 *
 * The mapping (treatment arm; the control arm always gets the list price):
 *
 *   down = min(maxStep, listPrice - floor)                 largest discount allowed
 *   up   = allowAboveList ? min(maxStep, ceiling - listPrice) : 0   largest surcharge
 *   price(s) = listPrice + up - s * (up + down),  s = the score clamped to [0, 1]
 *
 * By default (`up = 0`) this is `listPrice - s * down`: the discount grows with
 * the relevance score, score 0 is the list price, score 1 the largest discount,
 * and no price is ever above the list price. A surcharge exists only when the
 * host opts in with `allowAboveList: true` *and* a ceiling above the list
 * price; the price still falls as the score rises, and the list price sits at
 * the neutral score `up / (up + down)`. A score that is not a number (NaN)
 * carries no information and always gives the list price (it reads as the
 * neutral score, 0 by default); ±Infinity and out-of-range scores are clamped.
 *
 * The change from the list price is rounded to a whole number of
 * `currencyStep`s, toward the list price when the nearest one would leave the
 * bounds, so the price always lies in
 * `[max(floor, listPrice - maxStep), min(ceiling, listPrice + maxStep)]`.
 */
import { LocalRankError } from '../../errors.js';
import type { OfferArm } from './arms.js';

/** What the host passes to `offer(itemId, options)`. */
export interface OfferOptions {
  /** The item's regular price: finite and > 0. */
  listPrice: number;
  /** The lowest price the host accepts: finite, 0 <= floor <= listPrice. */
  floor: number;
  /** The highest price: defaults to listPrice; above it only with `allowAboveList`. */
  ceiling?: number;
  /** The largest allowed |price - listPrice|: finite and > 0; default no limit beyond floor and ceiling. */
  maxStep?: number;
  /** Allows prices above the list price (up to `ceiling`); default false: discounts only. */
  allowAboveList?: boolean;
  /** Rounding unit of the price change: finite and > 0; default 0.01. */
  currencyStep?: number;
}

/** Validated offer bounds (from {@link validateOfferBounds}); `maxStep` is Infinity when the host set none. */
export interface OfferBounds {
  readonly listPrice: number;
  readonly floor: number;
  readonly ceiling: number;
  readonly maxStep: number;
  readonly allowAboveList: boolean;
  readonly currencyStep: number;
}

/** A price suggestion. `discount` is negative for a surcharge. */
export interface OfferSuggestion {
  arm: OfferArm;
  price: number;
  listPrice: number;
  /** listPrice - price. */
  discount: number;
  /** discount / listPrice. */
  discountShare: number;
  /** The score the mapping used: the input clamped to [0, 1], NaN read as the neutral score. */
  score: number;
}

const DEFAULT_CURRENCY_STEP = 0.01;

function fail(field: string, message: string): never {
  throw new LocalRankError('INVALID_ARGUMENT', message, `options.${field}`);
}

const show = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v);

function readNumber(o: Record<string, unknown>, field: string, min: number, strict: boolean, fallback?: number): number {
  const v = o[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    fail(field, `${field} must be a finite number ${strict ? '>' : '>='} ${min} (got ${show(v)})`);
  }
  return v;
}

/**
 * Checks the host's offer options and fills the defaults. Throws
 * `INVALID_ARGUMENT` with `field` `options.<name>` for: a non-object
 * (`options`), a list price that is not a finite number > 0, a floor or
 * ceiling that is negative or not finite, a floor above the ceiling or the
 * list price, a ceiling below the list price (the control arm is offered the
 * list price, so it must be allowed), a ceiling above the list price without
 * `allowAboveList: true`, a `maxStep` or `currencyStep` that is not a finite
 * number > 0, and an `allowAboveList` that is not a boolean.
 */
export function validateOfferBounds(raw: unknown): OfferBounds {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LocalRankError('INVALID_ARGUMENT', `offer options must be an object { listPrice, floor, ceiling?, maxStep? } (got ${show(raw)})`, 'options');
  }
  const o = raw as Record<string, unknown>;
  const listPrice = readNumber(o, 'listPrice', 0, true);
  const allowAboveList = o['allowAboveList'] ?? false;
  if (typeof allowAboveList !== 'boolean') fail('allowAboveList', `allowAboveList must be a boolean (got ${show(allowAboveList)})`);
  const floor = readNumber(o, 'floor', 0, false);
  const ceiling = readNumber(o, 'ceiling', 0, false, listPrice);
  const maxStep = readNumber(o, 'maxStep', 0, true, Infinity);
  const currencyStep = readNumber(o, 'currencyStep', 0, true, DEFAULT_CURRENCY_STEP);
  if (floor > ceiling) fail('floor', `floor (${floor}) is above ceiling (${ceiling})`);
  if (floor > listPrice) fail('floor', `floor (${floor}) is above listPrice (${listPrice}); the list price must be an allowed price (the control arm is offered it)`);
  if (ceiling < listPrice) fail('ceiling', `ceiling (${ceiling}) is below listPrice (${listPrice}); the list price must be an allowed price (the control arm is offered it)`);
  if (ceiling > listPrice && !allowAboveList) {
    fail(
      'ceiling',
      `ceiling (${ceiling}) is above listPrice (${listPrice}): offers are discount-only by default, so that no one pays more than the list price because of their profile; set allowAboveList: true to allow surcharges`,
    );
  }
  return { listPrice, floor, ceiling, maxStep, allowAboveList, currencyStep };
}

/** Decimal places in the shortest decimal form of `x` (0.01 -> 2, 1e-7 -> 7, 19.99 -> 2), at most 20. */
function decimalsOf(x: number): number {
  const [mantissa = '', exponent = '0'] = x.toString().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(20, Math.max(0, fraction - Number(exponent)));
}

/**
 * The offer for one item: the list price for `control`; for `treatment` a
 * price from `score` (the item's relevance for this person, in [0, 1]) by the
 * mapping in this module's comment. Whatever the score (NaN, ±Infinity,
 * negative, above 1), the price stays within the bounds. `bounds` must come
 * from {@link validateOfferBounds}.
 */
export function suggestPrice(score: number, bounds: OfferBounds, arm: OfferArm): OfferSuggestion {
  if (arm !== 'control' && arm !== 'treatment') {
    throw new LocalRankError('INVALID_ARGUMENT', `arm must be 'control' or 'treatment' (got ${show(arm)})`, 'arm');
  }
  const { listPrice, floor, ceiling, maxStep, allowAboveList, currencyStep: step } = bounds;
  const down = Math.max(0, Math.min(maxStep, listPrice - floor));
  const up = allowAboveList ? Math.max(0, Math.min(maxStep, ceiling - listPrice)) : 0;
  const neutral = up > 0 ? up / (up + down) : 0;
  const s = typeof score !== 'number' || Number.isNaN(score) ? neutral : Math.min(1, Math.max(0, score));
  if (arm === 'control' || s === neutral) return suggestion(arm, listPrice, listPrice, s);

  // Whole steps of change from the list price, never more than the bounds allow
  // (the 1e-9 absorbs division noise such as 2 / 0.01 = 199.99999999999997).
  const delta = up - s * (up + down);
  const maxUpSteps = Math.floor(up / step + 1e-9);
  const maxDownSteps = Math.floor(down / step + 1e-9);
  const steps = Math.min(maxUpSteps, Math.max(-maxDownSteps, Math.round(delta / step)));
  const digits = Math.max(decimalsOf(step), decimalsOf(listPrice));
  let price = Number((listPrice + steps * step).toFixed(digits));
  // Guard against floating-point residue: the bounds are the contract, the grid is cosmetic.
  const lo = Math.max(floor, listPrice - maxStep);
  const hi = allowAboveList ? Math.min(ceiling, listPrice + maxStep) : listPrice;
  price = Math.min(hi, Math.max(lo, price));
  return suggestion(arm, price, listPrice, s, digits);
}

function suggestion(arm: OfferArm, price: number, listPrice: number, score: number, digits = 20): OfferSuggestion {
  const discount = price === listPrice ? 0 : Number((listPrice - price).toFixed(digits));
  return { arm, price, listPrice, discount, discountShare: discount / listPrice, score };
}
