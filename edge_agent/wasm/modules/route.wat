;; route: order a technician's stops by nearest neighbour, starting from the first point.
;; In:  {"points": [[0,0],[5,5],[1,1]]}   (integer coordinates, |v| <= 1e9, at most 64 points)
;; Out: {"ok":true,"order":[0,2,1],"distance":7}   (distance: Euclidean, rounded to the nearest integer)
;;      {"ok":false,"error":"bad_input"}   {"ok":false,"error":"too_many_points"}
;; ABI: alloc(len) -> ptr for the input; run(ptr, len) -> (out_ptr << 32) | out_len.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $out (mut i32) (i32.const 0))
  (global $olen (mut i32) (i32.const 0))
  (global $found (mut i32) (i32.const 0))
  (global $cur (mut i32) (i32.const 0))

  (data (i32.const 16) "\"points\"")                                      ;; 8
  (data (i32.const 32) "{\"ok\":true,\"order\":[")                        ;; 20
  (data (i32.const 64) "],\"distance\":")                                 ;; 13
  (data (i32.const 96) "{\"ok\":false,\"error\":\"bad_input\"}")          ;; 32
  (data (i32.const 128) "{\"ok\":false,\"error\":\"too_many_points\"}")   ;; 38

  ;; Bump allocator; returns 0 when the memory limit refuses to grow.
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16)) (i32.const 1)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; Position just after the first occurrence of key [k, k+klen) in [p, p+len), or -1.
  (func $find (param $p i32) (param $len i32) (param $k i32) (param $klen i32) (result i32)
    (local $i i32) (local $j i32) (local $last i32)
    (local.set $last (i32.sub (i32.add (local.get $p) (local.get $len)) (local.get $klen)))
    (local.set $i (local.get $p))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_s (local.get $i) (local.get $last)))
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $cmp
            (br_if $mismatch
              (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $j)))
                      (i32.load8_u (i32.add (local.get $k) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (if (i32.eq (local.get $j) (local.get $klen))
              (then (return (i32.add (local.get $i) (local.get $klen)))))
            (br $cmp)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.const -1))

  (func $is_sep (param $c i32) (result i32)
    (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 58)))
            (i32.or (i32.eq (local.get $c) (i32.const 9))
                    (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))))

  ;; The integer at pos (after a key): skips spaces and the colon; sets $found to 0 if none or not an integer,
  ;; and $cur to the position just after it.
  (func $int (param $pos i32) (param $end i32) (result i64)
    (local $c i32) (local $neg i32) (local $v i64) (local $n i32)
    (global.set $found (i32.const 0))
    (if (i32.lt_s (local.get $pos) (i32.const 0)) (then (return (i64.const 0))))
    (block $s
      (loop $l
        (br_if $s (i32.ge_u (local.get $pos) (local.get $end)))
        (br_if $s (i32.eqz (call $is_sep (i32.load8_u (local.get $pos)))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $l)))
    (if (i32.lt_u (local.get $pos) (local.get $end))
      (then
        (if (i32.eq (i32.load8_u (local.get $pos)) (i32.const 45))
          (then
            (local.set $neg (i32.const 1))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))))
    (block $d
      (loop $l2
        (br_if $d (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $c (i32.sub (i32.load8_u (local.get $pos)) (i32.const 48)))
        (br_if $d (i32.gt_u (local.get $c) (i32.const 9)))
        (br_if $d (i32.ge_u (local.get $n) (i32.const 18)))
        (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $l2)))
    (global.set $found (i32.ne (local.get $n) (i32.const 0)))
    (global.set $cur (local.get $pos))
    ;; a fraction, exponent or a 19th digit means this is not an integer we accept
    (if (i32.lt_u (local.get $pos) (local.get $end))
      (then
        (local.set $c (i32.load8_u (local.get $pos)))
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 46)) (i32.eq (local.get $c) (i32.const 101)))
                    (i32.or (i32.eq (local.get $c) (i32.const 69)) (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))))
          (then (global.set $found (i32.const 0))))))
    (if (result i64) (local.get $neg)
      (then (i64.sub (i64.const 0) (local.get $v)))
      (else (local.get $v))))

  (func $byte (param $c i32)
    (i32.store8 (i32.add (global.get $out) (global.get $olen)) (local.get $c))
    (global.set $olen (i32.add (global.get $olen) (i32.const 1))))

  (func $str (param $p i32) (param $n i32)
    (local $i i32)
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
        (call $byte (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; Decimal digits of v, using bytes 960..999 as scratch.
  (func $num (param $v i64)
    (local $n i32)
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then
        (call $byte (i32.const 45))
        (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (loop $l
      (i32.store8 (i32.add (i32.const 960) (local.get $n))
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $l (i64.ne (local.get $v) (i64.const 0))))
    (loop $w
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (call $byte (i32.load8_u (i32.add (i32.const 960) (local.get $n))))
      (br_if $w (i32.gt_s (local.get $n) (i32.const 0)))))

  (func $result (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (global.get $out)) (i64.const 32))
            (i64.extend_i32_u (global.get $olen))))

  (func $bad_input (result i64)
    (global.set $olen (i32.const 0))
    (call $str (i32.const 96) (i32.const 32))
    (call $result))

  (func (export "run") (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $pos i32) (local $c i32) (local $depth i32) (local $k i32)
    (local $xy i32) (local $seen i32) (local $v i64) (local $n i32) (local $at i32) (local $step i32)
    (local $j i32) (local $best i32) (local $bestd i64) (local $d i64) (local $dx i64) (local $dy i64)
    (local $total f64)
    (global.set $out (call $alloc (i32.const 512)))
    (global.set $olen (i32.const 0))
    (local.set $xy (call $alloc (i32.const 1024)))
    (local.set $seen (call $alloc (i32.const 64)))
    (if (i32.or (i32.eqz (global.get $out)) (i32.or (i32.eqz (local.get $xy)) (i32.eqz (local.get $seen))))
      (then (return (i64.const 0))))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $pos (call $find (local.get $p) (local.get $len) (i32.const 16) (i32.const 8)))
    (if (i32.lt_s (local.get $pos) (i32.const 0)) (then (return (call $bad_input))))
    ;; read every integer inside the outer array, in order: x0, y0, x1, y1, ...
    (block $done
      (loop $l
        (if (i32.ge_u (local.get $pos) (local.get $end)) (then (return (call $bad_input))))
        (local.set $c (i32.load8_u (local.get $pos)))
        (if (i32.eq (local.get $c) (i32.const 91))
          (then
            (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $l)))
        (if (i32.eq (local.get $c) (i32.const 93))
          (then
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br_if $done (i32.le_s (local.get $depth) (i32.const 0)))
            (br $l)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 45)) (i32.le_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
          (then
            (if (i32.eqz (local.get $depth)) (then (return (call $bad_input))))
            (local.set $v (call $int (local.get $pos) (local.get $end)))
            (if (i32.eqz (global.get $found)) (then (return (call $bad_input))))
            (if (i64.gt_u (i64.add (local.get $v) (i64.const 1000000000)) (i64.const 2000000000))
              (then (return (call $bad_input))))
            (if (i32.ge_u (local.get $k) (i32.const 128))
              (then (call $str (i32.const 128) (i32.const 38)) (return (call $result))))
            (i64.store (i32.add (local.get $xy) (i32.shl (local.get $k) (i32.const 3))) (local.get $v))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $pos (global.get $cur))
            (br $l)))
        (if (i32.or (call $is_sep (local.get $c)) (i32.eq (local.get $c) (i32.const 44)))
          (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $l)))
        (return (call $bad_input))))
    (if (i32.or (i32.eqz (local.get $k)) (i32.and (local.get $k) (i32.const 1)))
      (then (return (call $bad_input))))
    (local.set $n (i32.shr_u (local.get $k) (i32.const 1)))
    ;; nearest neighbour from point 0
    (call $str (i32.const 32) (i32.const 20))
    (call $byte (i32.const 48))
    (i32.store8 (local.get $seen) (i32.const 1))
    (local.set $at (i32.const 0))
    (local.set $step (i32.const 1))
    (block $route
      (loop $next
        (br_if $route (i32.ge_u (local.get $step) (local.get $n)))
        (local.set $best (i32.const -1))
        (local.set $bestd (i64.const -1))
        (local.set $j (i32.const 0))
        (block $scan
          (loop $each
            (br_if $scan (i32.ge_u (local.get $j) (local.get $n)))
            (if (i32.eqz (i32.load8_u (i32.add (local.get $seen) (local.get $j))))
              (then
                (local.set $dx (i64.sub (i64.load (i32.add (local.get $xy) (i32.shl (local.get $j) (i32.const 4))))
                                        (i64.load (i32.add (local.get $xy) (i32.shl (local.get $at) (i32.const 4))))))
                (local.set $dy (i64.sub (i64.load (i32.add (local.get $xy) (i32.add (i32.shl (local.get $j) (i32.const 4)) (i32.const 8))))
                                        (i64.load (i32.add (local.get $xy) (i32.add (i32.shl (local.get $at) (i32.const 4)) (i32.const 8))))))
                (local.set $d (i64.add (i64.mul (local.get $dx) (local.get $dx)) (i64.mul (local.get $dy) (local.get $dy))))
                (if (i64.lt_u (local.get $d) (local.get $bestd))
                  (then (local.set $bestd (local.get $d)) (local.set $best (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $each)))
        (i32.store8 (i32.add (local.get $seen) (local.get $best)) (i32.const 1))
        (local.set $total (f64.add (local.get $total) (f64.sqrt (f64.convert_i64_u (local.get $bestd)))))
        (call $byte (i32.const 44))
        (call $num (i64.extend_i32_u (local.get $best)))
        (local.set $at (local.get $best))
        (local.set $step (i32.add (local.get $step) (i32.const 1)))
        (br $next)))
    (call $str (i32.const 64) (i32.const 13))
    (call $num (i64.trunc_f64_s (f64.nearest (local.get $total))))
    (call $byte (i32.const 125))
    (call $result))
)
