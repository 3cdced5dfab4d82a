;; weight_check: is a weight reading within tolerance of the expected weight?
;; In:  {"weight_g": 1003, "expected_g": 1000, "tolerance_g": 5}   (integers, grams)
;; Out: {"ok":true,"deviation_g":3}
;;      {"ok":false,"deviation_g":-12,"error":"out_of_tolerance"}
;;      {"ok":false,"error":"bad_input"}   (a key missing, not an integer, or negative)
;; ABI: alloc(len) -> ptr for the input; run(ptr, len) -> (out_ptr << 32) | out_len.
;; The parser is deliberately small: it finds each quoted key and reads the integer after it.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $out (mut i32) (i32.const 0))
  (global $olen (mut i32) (i32.const 0))
  (global $found (mut i32) (i32.const 0))
  (global $cur (mut i32) (i32.const 0))

  (data (i32.const 16) "\"weight_g\"")                        ;; 10
  (data (i32.const 32) "\"expected_g\"")                      ;; 12
  (data (i32.const 48) "\"tolerance_g\"")                     ;; 13
  (data (i32.const 64) "{\"ok\":true,\"deviation_g\":")       ;; 25
  (data (i32.const 96) "{\"ok\":false,\"deviation_g\":")      ;; 26
  (data (i32.const 128) ",\"error\":\"out_of_tolerance\"}")   ;; 28
  (data (i32.const 160) "{\"ok\":false,\"error\":\"bad_input\"}") ;; 32

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

  (func (export "run") (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $w i64) (local $e i64) (local $t i64) (local $ok i32) (local $dev i64)
    (global.set $out (call $alloc (i32.const 128)))
    (global.set $olen (i32.const 0))
    (if (i32.eqz (global.get $out)) (then (return (i64.const 0))))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $ok (i32.const 1))
    (local.set $w (call $int (call $find (local.get $p) (local.get $len) (i32.const 16) (i32.const 10)) (local.get $end)))
    (local.set $ok (i32.and (local.get $ok) (global.get $found)))
    (local.set $e (call $int (call $find (local.get $p) (local.get $len) (i32.const 32) (i32.const 12)) (local.get $end)))
    (local.set $ok (i32.and (local.get $ok) (global.get $found)))
    (local.set $t (call $int (call $find (local.get $p) (local.get $len) (i32.const 48) (i32.const 13)) (local.get $end)))
    (local.set $ok (i32.and (local.get $ok) (global.get $found)))
    (if (i32.eqz (local.get $ok))
      (then (call $str (i32.const 160) (i32.const 32)) (return (call $result))))
    (if (i32.or (i64.lt_s (local.get $w) (i64.const 0))
                (i32.or (i64.lt_s (local.get $e) (i64.const 0)) (i64.lt_s (local.get $t) (i64.const 0))))
      (then (call $str (i32.const 160) (i32.const 32)) (return (call $result))))
    (local.set $dev (i64.sub (local.get $w) (local.get $e)))
    (if (i64.le_s
          (select (local.get $dev) (i64.sub (i64.const 0) (local.get $dev)) (i64.ge_s (local.get $dev) (i64.const 0)))
          (local.get $t))
      (then
        (call $str (i32.const 64) (i32.const 25))
        (call $num (local.get $dev))
        (call $byte (i32.const 125)))
      (else
        (call $str (i32.const 96) (i32.const 26))
        (call $num (local.get $dev))
        (call $str (i32.const 128) (i32.const 28))))
    (call $result))
)
