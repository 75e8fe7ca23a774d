import type { AttributeReader } from '../src/dom/attributes.ts';

/** An attribute reader over a plain record, standing in for an element. */
export const reader = (attributes: Record<string, string>): AttributeReader => (name) => attributes[name] ?? null;
