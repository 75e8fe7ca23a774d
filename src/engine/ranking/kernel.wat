;; Dot products of candidate rows with a few probe rows, 4 floats at a time (WebAssembly SIMD).
;; Compiled into kernel-wasm.ts by `npm run build:kernel`; see vector-store.ts for the callers.
;;
;; All pointers are byte addresses in the imported memory; every row is `dim` f32 (dim a multiple of 4).
;;   dense(data, offsets, count, probes, probeCount, dim, out):
;;     for i < count: row i starts at data + 4 * offsets[i] (offsets: i32 element offsets)
;;     out[i * probeCount + j] = row_i · probe_j, probe j at probes + 4 * j * dim;
;;     probeCount a multiple of 4 (the caller pads with zero probes).
;; Rows go in pairs (an odd last row pairs with itself) and probes in blocks of 4: each load feeds several
;; running sums.
;;
;;   sparse(values, indices, starts, lengths, count, probesT, blocks, out):
;;     sparse rows in CSR form: row i's non-zeros are k in [starts[i], starts[i] + lengths[i]) (i32 arrays),
;;     value f32 at values + 4k, dimension u16 at indices + 2k;
;;     probes transposed and padded to 4 * blocks columns: probe j's value for dimension t at
;;     probesT + 4 * (t * 4 * blocks + j), so one v128 load reads 4 probes of one dimension;
;;     out[i * 4 * blocks + j] = row_i · probe_j (the padding columns come out 0).
;; Rows go in pairs here too: the rows are scattered, and two rows' memory reads overlap.
(module
  (import "env" "memory" (memory 1))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Two rows against the 4 consecutive probes from $p: each probe load serves both rows, and the two
  ;; rows' memory reads overlap (rows are scattered over the index, so waiting for memory dominates).
  (func $dot2x4 (param $rowA i32) (param $rowB i32) (param $p i32) (param $bytes i32) (param $outA i32) (param $outB i32)
    (local $t i32) (local $x v128) (local $y v128) (local $q v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local.set $p1 (i32.add (local.get $p) (local.get $bytes)))
    (local.set $p2 (i32.add (local.get $p1) (local.get $bytes)))
    (local.set $p3 (i32.add (local.get $p2) (local.get $bytes)))
    (block $done
      (loop $dims
        (br_if $done (i32.ge_u (local.get $t) (local.get $bytes)))
        (local.set $x (v128.load (i32.add (local.get $rowA) (local.get $t))))
        (local.set $y (v128.load (i32.add (local.get $rowB) (local.get $t))))
        (local.set $q (v128.load (i32.add (local.get $p) (local.get $t))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (local.get $q))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $y) (local.get $q))))
        (local.set $q (v128.load (i32.add (local.get $p1) (local.get $t))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (local.get $q))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $y) (local.get $q))))
        (local.set $q (v128.load (i32.add (local.get $p2) (local.get $t))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (local.get $q))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $y) (local.get $q))))
        (local.set $q (v128.load (i32.add (local.get $p3) (local.get $t))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (local.get $q))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $y) (local.get $q))))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (br $dims)))
    (f32.store offset=0 (local.get $outA) (call $hsum (local.get $a0)))
    (f32.store offset=4 (local.get $outA) (call $hsum (local.get $a1)))
    (f32.store offset=8 (local.get $outA) (call $hsum (local.get $a2)))
    (f32.store offset=12 (local.get $outA) (call $hsum (local.get $a3)))
    (f32.store offset=0 (local.get $outB) (call $hsum (local.get $b0)))
    (f32.store offset=4 (local.get $outB) (call $hsum (local.get $b1)))
    (f32.store offset=8 (local.get $outB) (call $hsum (local.get $b2)))
    (f32.store offset=12 (local.get $outB) (call $hsum (local.get $b3))))

  (func $rowAt (param $data i32) (param $offsets i32) (param $i i32) (result i32)
    (i32.add (local.get $data)
      (i32.shl (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))

  (func (export "dense")
    (param $data i32) (param $offsets i32) (param $count i32)
    (param $probes i32) (param $probeCount i32) (param $dim i32) (param $out i32)
    (local $i i32) (local $j i32) (local $bytes i32) (local $rowA i32) (local $rowB i32)
    (local $outA i32) (local $outB i32) (local $outStride i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $outStride (i32.shl (local.get $probeCount) (i32.const 2)))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $rowA (call $rowAt (local.get $data) (local.get $offsets) (local.get $i)))
        (local.set $outA (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outStride))))
        ;; Row B: the next row, or row A again when A is the last (its sums then land on A's: the same numbers).
        (local.set $rowB (local.get $rowA))
        (local.set $outB (local.get $outA))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $count))
          (then
            (local.set $rowB (call $rowAt (local.get $data) (local.get $offsets) (i32.add (local.get $i) (i32.const 1))))
            (local.set $outB (i32.add (local.get $outA) (local.get $outStride)))))
        (local.set $j (i32.const 0))
        (block $blocks_done
          (loop $blocks
            (br_if $blocks_done (i32.ge_u (local.get $j) (local.get $probeCount)))
            (call $dot2x4 (local.get $rowA) (local.get $rowB)
              (i32.add (local.get $probes) (i32.mul (local.get $j) (local.get $bytes)))
              (local.get $bytes)
              (i32.add (local.get $outA) (i32.shl (local.get $j) (i32.const 2)))
              (i32.add (local.get $outB) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $blocks)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs))))

  ;; Non-zeros [$k, $end) of one sparse row against the block of 4 transposed probes at $column, added to $acc.
  (func $sparseTail (param $values i32) (param $indices i32) (param $k i32) (param $end i32) (param $column i32) (param $rowBytes i32) (param $acc v128) (result v128)
    (block $done
      (loop $nz
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul
              (f32x4.splat (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
              (v128.load
                (i32.add (local.get $column)
                  (i32.mul (i32.load16_u (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 1)))) (local.get $rowBytes)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nz)))
    (local.get $acc))

  ;; Sparse rows against blocks of 4 transposed probes: per non-zero a splat, a multiply, an add. Rows go
  ;; in pairs, their non-zeros interleaved while both have some (two independent chains of adds and of
  ;; memory reads), then each row's rest. An odd last row pairs with itself (its copy is not stored).
  (func (export "sparse")
    (param $values i32) (param $indices i32) (param $starts i32) (param $lengths i32) (param $count i32)
    (param $probesT i32) (param $blocks i32) (param $out i32)
    (local $i i32) (local $b i32) (local $rowBytes i32) (local $column i32) (local $common i32)
    (local $startA i32) (local $endA i32) (local $startB i32) (local $endB i32) (local $kA i32) (local $kB i32)
    (local $accA v128) (local $accB v128)
    ;; Bytes per transposed probe row (4 * blocks floats), which is also each row's output size.
    (local.set $rowBytes (i32.shl (local.get $blocks) (i32.const 4)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $startA (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $endA (i32.add (local.get $startA) (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $i) (i32.const 2))))))
        ;; Row B: the next row, or row A again when A is the last.
        (local.set $startB (local.get $startA))
        (local.set $endB (local.get $endA))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $count))
          (then
            (local.set $startB (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
            (local.set $endB (i32.add (local.get $startB) (i32.load (i32.add (local.get $lengths) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2))))))))
        (local.set $common (select (i32.sub (local.get $endA) (local.get $startA)) (i32.sub (local.get $endB) (local.get $startB))
          (i32.lt_u (i32.sub (local.get $endA) (local.get $startA)) (i32.sub (local.get $endB) (local.get $startB)))))
        (local.set $b (i32.const 0))
        (block $blocks_done
          (loop $each_block
            (br_if $blocks_done (i32.ge_u (local.get $b) (local.get $blocks)))
            (local.set $column (i32.add (local.get $probesT) (i32.shl (local.get $b) (i32.const 4))))
            (local.set $accA (v128.const i32x4 0 0 0 0))
            (local.set $accB (v128.const i32x4 0 0 0 0))
            (local.set $kA (local.get $startA))
            (local.set $kB (local.get $startB))
            (block $both_done
              (loop $both
                (br_if $both_done (i32.ge_u (local.get $kA) (i32.add (local.get $startA) (local.get $common))))
                (local.set $accA
                  (f32x4.add (local.get $accA)
                    (f32x4.mul
                      (f32x4.splat (f32.load (i32.add (local.get $values) (i32.shl (local.get $kA) (i32.const 2)))))
                      (v128.load
                        (i32.add (local.get $column)
                          (i32.mul (i32.load16_u (i32.add (local.get $indices) (i32.shl (local.get $kA) (i32.const 1)))) (local.get $rowBytes)))))))
                (local.set $accB
                  (f32x4.add (local.get $accB)
                    (f32x4.mul
                      (f32x4.splat (f32.load (i32.add (local.get $values) (i32.shl (local.get $kB) (i32.const 2)))))
                      (v128.load
                        (i32.add (local.get $column)
                          (i32.mul (i32.load16_u (i32.add (local.get $indices) (i32.shl (local.get $kB) (i32.const 1)))) (local.get $rowBytes)))))))
                (local.set $kA (i32.add (local.get $kA) (i32.const 1)))
                (local.set $kB (i32.add (local.get $kB) (i32.const 1)))
                (br $both)))
            (local.set $accA (call $sparseTail (local.get $values) (local.get $indices) (local.get $kA) (local.get $endA) (local.get $column) (local.get $rowBytes) (local.get $accA)))
            (local.set $accB (call $sparseTail (local.get $values) (local.get $indices) (local.get $kB) (local.get $endB) (local.get $column) (local.get $rowBytes) (local.get $accB)))
            ;; Row i's block b at out + (i * blocks + b) * 16; row i + 1's one row further (written only when it exists).
            (v128.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $blocks)) (local.get $b)) (i32.const 4)))
              (local.get $accA))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $count))
              (then
                (v128.store
                  (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const 1)) (local.get $blocks)) (local.get $b)) (i32.const 4)))
                  (local.get $accB))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $each_block)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows))))
)
