// Quire form inflater: raw DEFLATE (RFC 1951), for a long form's packed pages and record
// tables (quire-backends/src/html.rs, `deflated`), which a form carries deflated and in
// base64 so that the browser reads a fifth of the text before it runs the form's script.
// Only forms that carry packed parts include it. Checked against Node's zlib
// (tests/browser/inflate.cjs).
"use strict";

var QuireInflate = (function () {
  // Canonical Huffman codes are read through tables indexed by the next bits (bit-reversed,
  // as DEFLATE sends codes).
  var LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  var LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  var DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
  var DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
  var CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  // A decoding table from code lengths: entry = symbol << 4 | length, at every index whose
  // low `length` bits are the symbol's code reversed; `bits` is the longest length.
  function huffman(lengths) {
    var bits = 0, count = [], next = [], i, len, code = 0;
    for (i = 0; i <= 15; i++) count[i] = 0;
    for (i = 0; i < lengths.length; i++) { count[lengths[i]]++; if (lengths[i] > bits) bits = lengths[i]; }
    count[0] = 0;
    for (len = 1; len <= 15; len++) { code = (code + count[len - 1]) << 1; next[len] = code; }
    var table = new Int32Array(1 << Math.max(bits, 1)).fill(-1);
    for (i = 0; i < lengths.length; i++) {
      len = lengths[i];
      if (!len) continue;
      var c = next[len]++, rev = 0;
      for (var b = 0; b < len; b++) { rev = (rev << 1) | (c & 1); c >>= 1; }
      for (var j = rev; j < table.length; j += 1 << len) table[j] = (i << 4) | len;
    }
    return { table: table, bits: Math.max(bits, 1) };
  }
  var FIXED = null;
  function fixedTables() {
    if (FIXED) return FIXED;
    var l = [], d = [], i;
    for (i = 0; i < 288; i++) l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    for (i = 0; i < 30; i++) d[i] = 5;
    return (FIXED = [huffman(l), huffman(d)]);
  }
  function inflate(input) {
    var out = new Uint8Array(Math.max(1024, input.length * 6)), op = 0;
    var pos = 0, buf = 0, cnt = 0;
    function fill(n) {
      // Past the end, zero bits, as far as the longest code reads ahead: a stream cut short
      // ends in an error, never in endless output.
      while (cnt < n) {
        if (pos >= input.length + 4) throw new Error("inflate: truncated");
        buf |= (pos < input.length ? input[pos] : 0) << cnt; pos++; cnt += 8;
      }
    }
    function bits(n) {
      if (n === 0) return 0;
      fill(n);
      var v = buf & ((1 << n) - 1);
      buf >>>= n; cnt -= n;
      return v;
    }
    function decode(h) {
      fill(h.bits);
      var e = h.table[buf & ((1 << h.bits) - 1)];
      if (e < 0) throw new Error("inflate: invalid code");
      buf >>>= e & 15; cnt -= e & 15;
      return e >> 4;
    }
    function room(n) {
      if (op + n <= out.length) return;
      var bigger = new Uint8Array(Math.max(out.length * 2, op + n));
      bigger.set(out.subarray(0, op));
      out = bigger;
    }
    for (var last = 0; !last;) {
      last = bits(1);
      var type = bits(2), lit, dist, i;
      if (type === 0) {
        // Stored: from the next byte boundary, LEN and its complement, then LEN bytes.
        buf >>>= cnt & 7; cnt -= cnt & 7;
        pos -= cnt >> 3; buf = 0; cnt = 0;
        if (pos + 4 > input.length) throw new Error("inflate: truncated");
        var n = input[pos] | (input[pos + 1] << 8);
        if ((n ^ (input[pos + 2] | (input[pos + 3] << 8))) !== 0xffff) throw new Error("inflate: bad stored block");
        pos += 4;
        if (pos + n > input.length) throw new Error("inflate: truncated");
        room(n);
        out.set(input.subarray(pos, pos + n), op);
        op += n; pos += n;
        continue;
      }
      if (type === 3) throw new Error("inflate: bad block type");
      if (type === 1) {
        lit = fixedTables()[0]; dist = fixedTables()[1];
      } else {
        var nlit = bits(5) + 257, ndist = bits(5) + 1, ncl = bits(4) + 4, cl = [];
        for (i = 0; i < 19; i++) cl[i] = 0;
        for (i = 0; i < ncl; i++) cl[CL_ORDER[i]] = bits(3);
        var clh = huffman(cl), lengths = [];
        while (lengths.length < nlit + ndist) {
          var sym = decode(clh);
          if (sym < 16) lengths.push(sym);
          else {
            var repeat, value = 0;
            if (sym === 16) {
              if (!lengths.length) throw new Error("inflate: repeat with nothing before");
              value = lengths[lengths.length - 1]; repeat = 3 + bits(2);
            } else repeat = sym === 17 ? 3 + bits(3) : 11 + bits(7);
            if (lengths.length + repeat > nlit + ndist) throw new Error("inflate: too many lengths");
            while (repeat--) lengths.push(value);
          }
        }
        lit = huffman(lengths.slice(0, nlit)); dist = huffman(lengths.slice(nlit));
      }
      for (;;) {
        var s = decode(lit);
        if (s < 256) { room(1); out[op++] = s; continue; }
        if (s === 256) break;
        s -= 257;
        if (s >= 29) throw new Error("inflate: bad length");
        var len = LEN_BASE[s] + bits(LEN_EXTRA[s]), d = decode(dist);
        if (d >= 30) throw new Error("inflate: bad distance");
        var back = DIST_BASE[d] + bits(DIST_EXTRA[d]);
        if (back > op) throw new Error("inflate: distance too far back");
        room(len);
        for (i = 0; i < len; i++, op++) out[op] = out[op - back];
      }
      if (pos - (cnt >> 3) > input.length) throw new Error("inflate: truncated");
    }
    return out.subarray(0, op);
  }
  // Base64 of deflated UTF-8 text, back to the text.
  function inflated(b64) {
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new TextDecoder().decode(inflate(bytes));
  }
  return { inflate: inflate, inflated: inflated };
})();

if (typeof module !== "undefined") module.exports = QuireInflate;
