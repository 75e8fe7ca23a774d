/**
 * The item index's vectors, contiguous, with the kernels that score them
 * against a few probes: dense rows of one encoder space, quantised to int8
 * ({@link VectorStore}), and the lexical encoder's sparse rows
 * ({@link SparseStore}).
 *
 * Where WebAssembly SIMD can be compiled (every current browser and Node,
 * unless a CSP forbids WebAssembly) the numbers live in a WebAssembly memory
 * and the kernels of kernel.wat do 4 to 8 multiply-adds an instruction on
 * them in place; elsewhere they live in typed arrays, and the dense store
 * computes the same integer sums in JavaScript while the sparse one returns
 * null, so the caller's JavaScript loops do the work.
 */
import { base64ToBytes } from '../base64.js';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.js';

const PAGE = 65_536;

interface KernelExports {
  dense(data: number, rows: number, count: number, probes: number, probeCount: number, dim: number, stride: number, out: number): void;
  sparse(values: number, indices: number, starts: number, lengths: number, count: number, probesT: number, blocks: number, out: number): void;
}

/** Row `i` against probe `j` is `cos[i * stride + j]`. */
export interface ProbeScores {
  cos: Float32Array | Float64Array;
  stride: number;
}

let kernelModule: WebAssembly.Module | null | undefined;

/** The compiled kernels, or null where WebAssembly or its SIMD is missing or forbidden (compiled once, lazily). */
function compiledKernels(): WebAssembly.Module | null {
  if (kernelModule !== undefined) return kernelModule;
  try {
    const bytes = base64ToBytes(KERNEL_WASM_BASE64);
    kernelModule = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    kernelModule = null; // a CSP without 'wasm-unsafe-eval' throws here
  }
  return kernelModule;
}

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/** A WebAssembly memory with the kernels bound to it. Data sits at the start; each call's scratch follows it. */
class KernelMemory {
  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly kernels: KernelExports,
  ) {}

  static create(bytes: number, simd: boolean): KernelMemory | null {
    const module = simd ? compiledKernels() : null;
    if (!module) return null;
    try {
      const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      return new KernelMemory(memory, instance.exports as unknown as KernelExports);
    } catch {
      return null; // no room for a wasm memory, or instantiation refused: typed arrays still work
    }
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Grows to at least `bytes` (by a quarter more than asked, so repeated calls rarely grow it); false when it cannot. */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    const want = Math.max(bytes, have + (have >> 2));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Unit vectors of one encoder space, quantised: row r is `dim` int8 codes and
 * a scale (`v ≈ scale × code`, the largest |v_t| at 127). A quarter of the
 * memory of float32 rows, and a quarter of the memory traffic when a ranking
 * reads rows scattered over a large catalogue, which is what bounds its speed.
 * Cosines move by about 1e-3 (measured at 384 dimensions; see the tests),
 * far below what changes an order.
 *
 * Layout: row r at byte `r × stride`: its scale (float32) at 0, its codes
 * from 16 (padded with zeros to a multiple of 16, for the kernel's 16-byte steps).
 */
export class VectorStore {
  readonly dim: number;
  /** Codes per row, `dim` rounded up to a multiple of 16. */
  private readonly padded: number;
  /** Bytes per row. */
  readonly stride: number;
  private readonly wasm: KernelMemory | null;
  private capacity: number;
  private plain: ArrayBuffer | null;
  /** The last scoring call's cosines (reused: the result's array is overwritten by the next call). */
  private scratchOut: Float64Array | null = null;

  /** Room for `rows` rows, zeroed; `simd: false` keeps them in a plain buffer (tests compare the two paths). */
  constructor(rows: number, dim: number, options: { simd?: boolean } = {}) {
    this.dim = dim;
    this.padded = Math.ceil(dim / 16) * 16;
    this.stride = 16 + this.padded;
    this.capacity = rows;
    this.wasm = KernelMemory.create(rows * this.stride, options.simd !== false && this.padded <= MAX_KERNEL_DIM);
    this.plain = this.wasm ? null : new ArrayBuffer(rows * this.stride);
  }

  /** Whether the SIMD kernel scores this store. */
  get simd(): boolean {
    return this.wasm !== null;
  }

  get rows(): number {
    return this.capacity;
  }

  private get buffer(): ArrayBuffer {
    return this.wasm ? this.wasm.buffer : this.plain!;
  }

  /** Stores `v` (length `dim`) as row r, quantised. */
  setRow(r: number, v: ArrayLike<number>): void {
    let max = 0;
    for (let t = 0; t < this.dim; t++) max = Math.max(max, Math.abs(v[t]!));
    const scale = max > 0 ? max / 127 : 0;
    const at = r * this.stride;
    new Float32Array(this.buffer, at, 1)[0] = scale;
    const codes = new Int8Array(this.buffer, at + 16, this.padded);
    for (let t = 0; t < this.dim; t++) codes[t] = scale > 0 ? Math.round(v[t]! / scale) : 0;
  }

  /** Row r as float32 numbers (`scale × code`): a copy. */
  row(r: number): Float32Array {
    const at = r * this.stride;
    const scale = new Float32Array(this.buffer, at, 1)[0]!;
    const codes = new Int8Array(this.buffer, at + 16, this.dim);
    const out = new Float32Array(this.dim);
    for (let t = 0; t < this.dim; t++) out[t] = codes[t]! * scale;
    return out;
  }

  /** Copies row `from` of `source` (same dimension) into row r, as stored. */
  copyRow(r: number, source: VectorStore, from: number): void {
    new Uint8Array(this.buffer, r * this.stride, this.stride).set(new Uint8Array(source.buffer, from * source.stride, source.stride));
  }

  /** Room for `rows` rows (never shrinks); the contents are kept and new rows are zero. */
  resize(rows: number): void {
    if (rows <= this.capacity) return;
    if (this.wasm) {
      if (!this.wasm.reserve(rows * this.stride)) throw new RangeError(`cannot grow the vector store to ${rows} rows`);
    } else {
      const next = new Uint8Array(rows * this.stride);
      next.set(new Uint8Array(this.plain!));
      this.plain = next.buffer;
    }
    this.capacity = rows;
  }

  /**
   * Rows `rows[i]` against the `probeCount` probe rows of `probes` (`dim`
   * numbers each, row-major): cosine i, j at `cos[i * stride + j]`, with the
   * probe count padded to a multiple of 4 (padding columns 0). Each probe is
   * quantised to int16 with its own scale, the integer sums are exact (the
   * kernel's and the JavaScript loop's alike), and both scales are applied
   * last, so the two paths give the same numbers. The result's array is
   * overwritten by the next call.
   */
  rowsAgainstProbes(rows: Int32Array, probes: Float32Array, probeCount: number): ProbeScores {
    // Zero probes pad the count to blocks of 4: the kernel then reads each row once, with 4 running sums per row.
    const stride = Math.ceil(probeCount / 4) * 4;
    const count = rows.length;
    const { padded, dim } = this;
    const quantised = new Int16Array(stride * padded);
    const probeScale = new Float64Array(stride);
    for (let j = 0; j < probeCount; j++) {
      let max = 0;
      for (let t = 0; t < dim; t++) max = Math.max(max, Math.abs(probes[j * dim + t]!));
      const scale = max > 0 ? max / PROBE_MAX : 0;
      probeScale[j] = scale;
      if (scale > 0) for (let t = 0; t < dim; t++) quantised[j * padded + t] = Math.round(probes[j * dim + t]! / scale);
    }
    const sums = this.integerSums(rows, quantised, stride);
    const out = this.scratchOut;
    const cos = out && out.length >= count * stride ? out.subarray(0, count * stride) : (this.scratchOut = new Float64Array(count * stride));
    const scales = new Float32Array(this.buffer, 0, (this.capacity * this.stride) / 4);
    const scaleAt = this.stride / 4;
    for (let i = 0; i < count; i++) {
      const rowScale = scales[rows[i]! * scaleAt]!;
      for (let j = 0; j < stride; j++) cos[i * stride + j] = sums[i * stride + j]! * rowScale * probeScale[j]!;
    }
    return { cos, stride };
  }

  /** Σ code × q for every row and (padded) probe: the kernel's where there is one, else JavaScript's (exact either way). */
  private integerSums(rows: Int32Array, quantised: Int16Array, probeCount: number): Float64Array {
    const count = rows.length;
    const { padded, stride } = this;
    if (this.wasm) {
      const rowsAt = align16(this.capacity * stride);
      const probesAt = align16(rowsAt + count * 4);
      const outAt = align16(probesAt + quantised.length * 2);
      if (!this.wasm.reserve(outAt + count * probeCount * 8)) throw new RangeError(`no memory to score ${count} rows`);
      const buffer = this.wasm.buffer;
      new Int32Array(buffer, rowsAt, count).set(rows);
      new Int16Array(buffer, probesAt, quantised.length).set(quantised);
      this.wasm.kernels.dense(0, rowsAt, count, probesAt, probeCount, padded, stride, outAt);
      return new Float64Array(buffer, outAt, count * probeCount);
    }
    const codes = new Int8Array(this.plain!);
    const out = new Float64Array(count * probeCount);
    for (let i = 0; i < count; i++) {
      const at = rows[i]! * stride + 16;
      for (let j = 0; j < probeCount; j++) {
        const q = j * padded;
        let sum = 0;
        for (let t = 0; t < padded; t++) sum += codes[at + t]! * quantised[q + t]!;
        out[i * probeCount + j] = sum;
      }
    }
    return out;
  }
}

/** Probes are quantised to ±PROBE_MAX (int16). */
const PROBE_MAX = 32_767;
/**
 * The kernel's int32 lanes each sum dim / 4 products of at most 127 × 32,767,
 * exact below 2³¹ for dim up to 2,048; longer vectors are scored by the
 * JavaScript loop (exact in float64).
 */
const MAX_KERNEL_DIM = 2_048;

/**
 * Sparse rows in CSR form: non-zero k has the dimension `indices[k]` (< 65,536)
 * and the value `values[k]`; which k belong to a row is the caller's business.
 */
export class SparseStore {
  private readonly wasm: KernelMemory | null;
  private capacity: number;
  private valueView: Float32Array;
  private indexView: Uint16Array;

  /** Room for `capacity` non-zeros; `simd: false` keeps them in plain arrays. */
  constructor(capacity: number, options: { simd?: boolean } = {}) {
    this.capacity = capacity;
    this.wasm = KernelMemory.create(capacity * 6, options.simd !== false);
    if (this.wasm) {
      this.valueView = new Float32Array(this.wasm.buffer, 0, capacity);
      this.indexView = new Uint16Array(this.wasm.buffer, capacity * 4, capacity);
    } else {
      this.valueView = new Float32Array(capacity);
      this.indexView = new Uint16Array(capacity);
    }
  }

  get size(): number {
    return this.capacity;
  }

  /** The values (capacity). Read again after {@link resize} or a scoring call, like {@link VectorStore.data}. */
  get values(): Float32Array {
    this.refresh();
    return this.valueView;
  }

  /** The dimensions (capacity). */
  get indices(): Uint16Array {
    this.refresh();
    return this.indexView;
  }

  /** Room for `capacity` non-zeros (never shrinks); the first `used` are kept. */
  resize(capacity: number, used: number): void {
    if (capacity <= this.capacity) return;
    if (this.wasm) {
      if (!this.wasm.reserve(capacity * 6)) throw new RangeError(`cannot grow the sparse store to ${capacity} non-zeros`);
      // Values stay at 0; the indices move up to follow the larger value region.
      const bytes = new Uint8Array(this.wasm.buffer);
      bytes.copyWithin(capacity * 4, this.capacity * 4, this.capacity * 4 + used * 2);
      this.capacity = capacity;
      this.valueView = new Float32Array(this.wasm.buffer, 0, capacity);
      this.indexView = new Uint16Array(this.wasm.buffer, capacity * 4, capacity);
    } else {
      const values = new Float32Array(capacity);
      const indices = new Uint16Array(capacity);
      values.set(this.valueView.subarray(0, used));
      indices.set(this.indexView.subarray(0, used));
      this.capacity = capacity;
      this.valueView = values;
      this.indexView = indices;
    }
  }

  /**
   * Rows (non-zeros `[start[i], start[i] + length[i])`) against the
   * `probeCount` probe rows of `probes` (`dim` numbers each, row-major, dim <=
   * 65,536); null without the kernel. The result's array is overwritten by the next call.
   */
  rowsAgainstProbes(start: Int32Array, length: Int32Array, probes: Float32Array, probeCount: number, dim: number): ProbeScores | null {
    if (!this.wasm || probeCount === 0) return null;
    const count = start.length;
    const blocks = Math.ceil(probeCount / 4);
    const stride = 4 * blocks;
    const startsAt = align16(this.capacity * 6);
    const lengthsAt = align16(startsAt + count * 4);
    const probesAt = align16(lengthsAt + count * 4);
    const outAt = align16(probesAt + dim * stride * 4);
    if (!this.wasm.reserve(outAt + count * stride * 4)) return null;
    const buffer = this.wasm.buffer;
    new Int32Array(buffer, startsAt, count).set(start);
    new Int32Array(buffer, lengthsAt, count).set(length);
    const transposed = new Float32Array(buffer, probesAt, dim * stride);
    transposed.fill(0);
    for (let j = 0; j < probeCount; j++) for (let t = 0; t < dim; t++) transposed[t * stride + j] = probes[j * dim + t]!;
    this.wasm.kernels.sparse(0, this.capacity * 4, startsAt, lengthsAt, count, probesAt, blocks, outAt);
    return { cos: new Float32Array(buffer, outAt, count * stride), stride };
  }

  private refresh(): void {
    if (this.wasm && this.valueView.buffer !== this.wasm.buffer) {
      this.valueView = new Float32Array(this.wasm.buffer, 0, this.capacity);
      this.indexView = new Uint16Array(this.wasm.buffer, this.capacity * 4, this.capacity);
    }
  }
}
