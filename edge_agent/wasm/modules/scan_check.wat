;; scan_check: is a scanned barcode (EAN-8, UPC-A or EAN-13) well formed, and was an OCR read confident enough?
;; In:  {"code": "4006381333931"}  or, for OCR reads, {"code": "...", "confidence": 91, "min_confidence": 80}
;; Out: {"ok":true,"digits":13}
;;      {"ok":false,"error":"check_digit","expected":1}
;;      {"ok":false,"error":"bad_length","digits":7}
;;      {"ok":false,"error":"not_digits"}   {"ok":false,"error":"low_confidence"}   {"ok":false,"error":"bad_input"}
;; ABI: alloc(len) -> ptr for the input; run(ptr, len) -> (out_ptr << 32) | out_len.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $out (mut i32) (i32.const 0))
  (global $olen (mut i32) (i32.const 0))
  (global $found (mut i32) (i32.const 0))
  (global $cur (mut i32) (i32.const 0))

  (data (i32.const 16) "\"code\"")                                          ;; 6
  (data (i32.const 32) "\"confidence\"")                                    ;; 12
  (data (i32.const 48) "\"min_confidence\"")                                ;; 16
  (data (i32.const 64) "{\"ok\":true,\"digits\":")                          ;; 20
  (data (i32.const 96) "{\"ok\":false,\"error\":\"bad_input\"}")            ;; 32
  (data (i32.const 128) "{\"ok\":false,\"error\":\"not_digits\"}")          ;; 33
  (data (i32.const 176) "{\"ok\":false,\"error\":\"bad_length\",\"digits\":") ;; 42
  (data (i32.const 224) "{\"ok\":false,\"error\":\"check_digit\",\"expected\":") ;; 45
  (data (i32.const 272) "{\"ok\":false,\"error\":\"low_confidence\"}")      ;; 37

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
    (local $end i32) (local $pos i32) (local $start i32) (local $n i32) (local $c i32)
    (local $bad i32) (local $conf i64) (local $min i64) (local $i i32) (local $sum i32) (local $w i32)
    (local $check i32)
    (global.set $out (call $alloc (i32.const 128)))
    (global.set $olen (i32.const 0))
    (if (i32.eqz (global.get $out)) (then (return (i64.const 0))))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    ;; the quoted code string
    (local.set $pos (call $find (local.get $p) (local.get $len) (i32.const 16) (i32.const 6)))
    (if (i32.lt_s (local.get $pos) (i32.const 0))
      (then (call $str (i32.const 96) (i32.const 32)) (return (call $result))))
    (block $s
      (loop $l
        (br_if $s (i32.ge_u (local.get $pos) (local.get $end)))
        (br_if $s (i32.eqz (call $is_sep (i32.load8_u (local.get $pos)))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $l)))
    (if (i32.or (i32.ge_u (local.get $pos) (local.get $end))
                (i32.ne (i32.load8_u (local.get $pos)) (i32.const 34)))
      (then (call $str (i32.const 96) (i32.const 32)) (return (call $result))))
    (local.set $start (i32.add (local.get $pos) (i32.const 1)))
    (local.set $pos (local.get $start))
    (block $q
      (loop $l
        (if (i32.ge_u (local.get $pos) (local.get $end))
          (then (call $str (i32.const 96) (i32.const 32)) (return (call $result))))
        (local.set $c (i32.load8_u (local.get $pos)))
        (br_if $q (i32.eq (local.get $c) (i32.const 34)))
        (if (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))
          (then (local.set $bad (i32.const 1))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $l)))
    (local.set $n (i32.sub (local.get $pos) (local.get $start)))
    ;; an OCR read below the required confidence is refused before its digits are trusted
    (local.set $conf (call $int (call $find (local.get $p) (local.get $len) (i32.const 32) (i32.const 12)) (local.get $end)))
    (if (global.get $found)
      (then
        (local.set $min (call $int (call $find (local.get $p) (local.get $len) (i32.const 48) (i32.const 16)) (local.get $end)))
        (if (i32.and (global.get $found) (i64.lt_s (local.get $conf) (local.get $min)))
          (then (call $str (i32.const 272) (i32.const 37)) (return (call $result))))))
    (if (local.get $bad)
      (then (call $str (i32.const 128) (i32.const 33)) (return (call $result))))
    (if (i32.eqz (i32.or (i32.eq (local.get $n) (i32.const 8))
                         (i32.or (i32.eq (local.get $n) (i32.const 12)) (i32.eq (local.get $n) (i32.const 13)))))
      (then
        (call $str (i32.const 176) (i32.const 42))
        (call $num (i64.extend_i32_u (local.get $n)))
        (call $byte (i32.const 125))
        (return (call $result))))
    ;; GS1 check digit: weights 3,1,3,... from the rightmost data digit leftwards
    (local.set $i (i32.sub (local.get $n) (i32.const 2)))
    (local.set $w (i32.const 3))
    (block $d
      (loop $l
        (br_if $d (i32.lt_s (local.get $i) (i32.const 0)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.mul (local.get $w) (i32.sub (i32.load8_u (i32.add (local.get $start) (local.get $i))) (i32.const 48)))))
        (local.set $w (i32.sub (i32.const 4) (local.get $w)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (local.set $check (i32.rem_u (i32.sub (i32.const 10) (i32.rem_u (local.get $sum) (i32.const 10))) (i32.const 10)))
    (if (i32.ne (local.get $check)
                (i32.sub (i32.load8_u (i32.add (local.get $start) (i32.sub (local.get $n) (i32.const 1)))) (i32.const 48)))
      (then
        (call $str (i32.const 224) (i32.const 45))
        (call $num (i64.extend_i32_u (local.get $check)))
        (call $byte (i32.const 125)))
      (else
        (call $str (i32.const 64) (i32.const 20))
        (call $num (i64.extend_i32_u (local.get $n)))
        (call $byte (i32.const 125))))
    (call $result))
)
