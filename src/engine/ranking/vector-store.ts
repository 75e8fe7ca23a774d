/**
 * The item index's vectors, contiguous, with the kernels that score them
 * against a few probes: dense rows of one encoder space ({@link VectorStore})
 * and the lexical encoder's sparse rows ({@link SparseStore}).
 *
 * Where WebAssembly SIMD can be compiled (every current browser and Node,
 * unless a CSP forbids WebAssembly) the numbers live in a WebAssembly memory
 * and the kernels of kernel.wat do 4 multiply-adds an instruction on them in
 * place; elsewhere they live in typed arrays and the scoring methods return
 * null, so the caller's JavaScript loops do the work.
 */
import { base64ToBytes } from '../base64.js';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.js';
import type { SparseRow } from './scores.js';
import { writeTransposed } from './scores.js';

const PAGE = 65_536;

interface KernelExports {
  dense(data: number, offsets: number, count: number, probes: number, probeCount: number, dim: number, out: number): void;
  sparse(values: number, indices: number, starts: number, lengths: number, count: number, probesT: number, blocks: number, out: number): void;
}

/** Row `i` against probe `j` is `cos[i * stride + j]`. */
export interface ProbeScores {
  cos: Float32Array;
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

/** Unit vectors of one encoder space: row r at `data[r * dim ...]`. */
export class VectorStore {
  private readonly wasm: KernelMemory | null;
  private floats: number;
  private view: Float32Array;

  /** Room for `floats` numbers, zeroed; `simd: false` keeps them in a plain array (tests compare the two paths). */
  constructor(floats: number, options: { simd?: boolean } = {}) {
    this.floats = floats;
    this.wasm = KernelMemory.create(floats * 4, options.simd !== false);
    this.view = this.wasm ? new Float32Array(this.wasm.buffer, 0, floats) : new Float32Array(floats);
  }

  /** Whether the SIMD kernel scores this store. */
  get simd(): boolean {
    return this.wasm !== null;
  }

  /** The numbers (capacity). Growing the memory replaces this array: read it again after {@link resize} or a scoring call. */
  get data(): Float32Array {
    if (this.wasm && this.view.buffer !== this.wasm.buffer) this.view = new Float32Array(this.wasm.buffer, 0, this.floats);
    return this.view;
  }

  /** Room for `floats` numbers (never shrinks); the contents are kept and new room is zero. */
  resize(floats: number): void {
    if (floats <= this.floats) return;
    if (this.wasm) {
      if (!this.wasm.reserve(floats * 4)) throw new RangeError(`cannot grow the vector store to ${floats} numbers`);
      this.view = new Float32Array(this.wasm.buffer, 0, floats);
    } else {
      const next = new Float32Array(floats);
      next.set(this.view);
      this.view = next;
    }
    this.floats = floats;
  }

  /**
   * Every row at `offsets[i]` (in numbers) against the `probeCount` probe rows
   * of `probes` (`dim` numbers each, row-major); null without the kernel or
   * when `dim` is not a multiple of 4. The result's array is overwritten by the next call.
   */
  rowsAgainstProbes(offsets: Int32Array, probes: Float32Array, probeCount: number, dim: number): ProbeScores | null {
    if (!this.wasm || dim % 4 !== 0 || probeCount === 0) return null;
    // Zero probes pad the count to blocks of 4: the kernel then reads each row once, with 4 running sums
    // (one probe at a time, a row's loads wait on a single chain of adds; the extra products are free).
    const stride = Math.ceil(probeCount / 4) * 4;
    const count = offsets.length;
    const offsetsAt = align16(this.floats * 4);
    const probesAt = align16(offsetsAt + count * 4);
    const outAt = align16(probesAt + stride * dim * 4);
    if (!this.wasm.reserve(outAt + count * stride * 4)) return null;
    const buffer = this.wasm.buffer;
    new Int32Array(buffer, offsetsAt, count).set(offsets);
    const padded = new Float32Array(buffer, probesAt, stride * dim);
    padded.set(probes.subarray(0, probeCount * dim));
    padded.fill(0, probeCount * dim);
    this.wasm.kernels.dense(0, offsetsAt, count, probesAt, stride, dim, outAt);
    return { cos: new Float32Array(buffer, outAt, count * stride), stride };
  }
}

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
   * Rows (non-zeros `[start[i], start[i] + length[i])`) against sparse
   * probes of `dim` dimensions (dim <= 65,536); null without the kernel. The
   * result's array is overwritten by the next call.
   */
  rowsAgainstProbes(start: Int32Array, length: Int32Array, probes: readonly SparseRow[], dim: number): ProbeScores | null {
    const probeCount = probes.length;
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
    writeTransposed(probes, transposed, stride);
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
