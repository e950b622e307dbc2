#!/usr/bin/env python3
"""Writes tests/numfmt_cases.h, the expectations of tests/test_numfmt.c:

    python3 tools/gen_numfmt_cases.py > tests/numfmt_cases.h

- numfmt_repr_rows: doubles (as bits) and Python's repr of them, for every power of two and
  of ten, random bit patterns, subnormals, exact ties between two shortest decimals, the
  edges of exponent notation, integers and short decimals.
- numfmt_display_rows: doubles and Rust's Display ("{}") of them, printed by a small Rust
  program this script compiles with rustc (pydantic-core formats bounds that way).
- numfmt_parse_rows: numerals and the bits of Python's float() of them (correctly rounded):
  exact midpoints between two doubles and their neighbours, long and short numerals, the
  overflow and underflow edges.

The choice is seeded, so running it again gives the same file (for the same Python and
Rust); it needs python3 and rustc.
"""
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
from decimal import Decimal, getcontext
from fractions import Fraction

MAX_BITS = 0x7FF << 52  # the first non-finite pattern


def to_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def repr_digits(x):
    """The digits of repr(|x|) as an integer without trailing zeros, and the exponent of
    its last digit."""
    s = repr(abs(x))
    mant, exp = (s.split("e") + ["0"])[:2]
    whole, _, frac = mant.partition(".")
    frac = frac.rstrip("0")
    digits, k = int(whole + frac), int(exp) - len(frac)
    while digits and digits % 10 == 0:
        digits, k = digits // 10, k + 1
    return digits, k


def is_tie(x):
    """True when a neighbour of repr(x)'s digits, at the same length, reads back as x and
    lies exactly as far from it: the last digit was a tie-break."""
    digits, k = repr_digits(x)
    unit, exact = Fraction(10) ** k, Fraction(abs(x))
    return any(float(alt * unit) == abs(x) and abs(alt * unit - exact) == abs(digits * unit - exact)
               for alt in (digits - 1, digits + 1))


def ties(rng, n):
    """Doubles exactly halfway between two shortest candidates: v = Y * 2^(k-1), Y odd, in
    a binade whose spacing 2^E is at least 10^k (possible for E in about [-77, -4])."""
    found = []
    while len(found) < n:
        e = rng.randint(-77, -4)
        k = math.floor(e * math.log10(2))
        lo, hi = Fraction(2) ** (e + 52), Fraction(2) ** (e + 53)
        step = Fraction(2) ** (k - 1)
        y_lo, y_hi = math.ceil(lo / step), math.floor(hi / step) - 1
        if y_hi < y_lo:
            continue
        x = float(Fraction(rng.randint(y_lo, y_hi) | 1) * step)
        if is_tie(x) and x not in found:
            found.append(x)
    return found


def finite(bits_list):
    return [b for b in bits_list if (b & ~(1 << 63)) < MAX_BITS]


def repr_rows(rng):
    named = [0.0, -0.0, 5e-324, 1e-323, 2.2250738585072014e-308, 2.225073858507201e-308,
             1.7976931348623157e308, -1.7976931348623157e308, 0.1, 0.2, 0.1 + 0.2, 1 / 3,
             2 / 3, 1e16, 1e-5, 1e-4, 0.001, 9.999999999999999e-05, 9999999999999998.0,
             1e15, 123456789012345.6, 1234567890123456.0, 12345678901234567.0,
             9007199254740992.0, 9007199254740994.0, 1e22, 1e23, 8.41e21, 5e-310, 1.5e300,
             100.0, 3.0, 9.99, 2.5e-05, 9.5e-05, 12345.678, 4.35, 0.3, 2.675, 1e-7,
             1.1e-4, 9.999999999999998e15, 1e21, 1.0000000000000002, 0.9999999999999999]
    xs = list(named)
    xs += [2.0 ** e for e in range(-1074, 1024)]
    xs += [float("1e%d" % k) for k in range(-323, 309)]
    bits = finite([rng.getrandbits(64) for _ in range(800)])
    bits += [c for c in range(1, 65)] + [rng.getrandbits(52) for _ in range(100)]
    bits += [(1 << 52) - 1]
    for edge in (1e16, 1e-4, 1e-5, 1e15, 9999999999999998.0, 1.0):  # exponent notation edges
        b = to_bits(edge)
        bits += [b - 2, b - 1, b + 1, b + 2]
    xs += [from_bits(b) for b in bits]
    xs += [float((1 << 53) + d) for d in range(-20, 21, 2)]
    xs += [float(rng.getrandbits(rng.randint(1, 70))) for _ in range(80)]
    xs += [float("%de%d" % (rng.randint(1, 999999), rng.randint(-330, 310))) for _ in range(300)]
    xs += ties(rng, 200)
    xs += [-x for x in ties(rng, 20)]
    rows, seen = [], set()
    for x in xs:
        b = to_bits(x)
        if b not in seen and math.isfinite(x):
            seen.add(b)
            rows.append((b, repr(x)))
    return rows


RUST_DISPLAY = r"""
use std::io::{self, BufRead, Write};
fn main() {
    let mut out = io::BufWriter::new(io::stdout());
    for line in io::stdin().lock().lines() {
        let b = u64::from_str_radix(line.unwrap().trim(), 16).unwrap();
        writeln!(out, "{}", f64::from_bits(b)).unwrap();
    }
}
"""


def rust_display(bits):
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "display.rs"), os.path.join(tmp, "display")
        with open(src, "w") as f:
            f.write(RUST_DISPLAY)
        try:
            subprocess.run(["rustc", "-O", "-o", exe, src], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit("gen_numfmt_cases.py: rustc is needed for the Display rows (%s)" % e)
        out = subprocess.run([exe], input="".join("%016x\n" % b for b in bits), text=True,
                             capture_output=True, check=True).stdout
    return out.splitlines()


def display_rows(rng):
    xs = [0.0, -0.0, 1.5, 1e20, 1e-7, -2.5, 100.0, 1.0, 0.1, 1e16, 1e-5, 123.456, 0.1 + 0.2,
          -1234567.125, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 1e300,
          1e-300, 2.0 ** -24, 2.0 ** 89, 9007199254740993.0, 1e23, 2.0 ** 52 + 0.5]
    xs += [2.0 ** e for e in range(-40, 80, 3)]
    xs += [float("%de%d" % (rng.randint(1, 99999999), rng.randint(-25, 20))) for _ in range(80)]
    xs += [from_bits(to_bits(1.0) + rng.randint(-2 ** 60, 2 ** 60) // 8) for _ in range(80)]
    xs += ties(rng, 60)
    xs += [-x for x in ties(rng, 10)]
    bits = []
    for x in xs:
        if to_bits(x) not in bits:
            bits.append(to_bits(x))
    return list(zip(bits, rust_display(bits)))


def exact_decimal(fr):
    getcontext().prec = 2000
    d = Decimal(fr.numerator) / Decimal(fr.denominator)
    s = format(d, "e")
    mant, exp = s.split("e")
    return mant.rstrip("0").rstrip(".") + "e" + exp


def parse_rows(rng):
    texts = ["0", "-0", "0.0", "1", "-1", "1.5", "9.99", "0.1", "0.30000000000000004",
             "123456789012345.6", "1e16", "1E-5", "1e+22", "1e23", "+1", "1.", ".5", "-.5",
             "007", "00.00100", "4.9406564584124654e-324", "2.4703282292062328e-324",
             "2.4703282292062327e-324", "2.2250738585072011e-308", "2.2250738585072012e-308",
             "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
             "1e309", "-1e309", "1e-400", "-1e-400", "9007199254740993", "9007199254740992.5",
             "9007199254740993.0000000000000000000001", "18446744073709551615",
             "18446744073709551616", "12345678901234567890123", "0." + "0" * 350 + "1e300",
             "1" + "0" * 400 + "e-400", "1e99999999999999999999", "1e-99999999999999999999",
             "0e99999999999999999999", "0.000001e6", "7.2057594037927933e16",
             "3.0517578125e-05", "1.00000005960464477550", "1.0000000596046447755e0"]
    # exact midpoints between neighbouring doubles, and a hair above and below them
    bits = finite([rng.getrandbits(63) for _ in range(25)])
    bits += [rng.getrandbits(52) for _ in range(5)]
    bits += [1, (1 << 52) - 1, 0x7FEFFFFFFFFFFFFE, 0x7FEFFFFFFFFFFFFF, to_bits(1.0), to_bits(1e23)]
    for b in bits:
        lo = Fraction(from_bits(b))
        hi = Fraction(2) ** 1024 if b + 1 >= MAX_BITS else Fraction(from_bits(b + 1))
        mid = (lo + hi) / 2
        mant, exp = exact_decimal(mid).split("e")  # its last digit is a 5
        point = "" if "." in mant else "."
        texts.append(mant + "e" + exp)
        texts.append(mant + point + "0" * rng.randint(0, 30) + "1e" + exp)
        texts.append(mant[:-1] + "4" + point + "9" * rng.randint(1, 30) + "e" + exp)
    rows = []
    for t in texts:
        rows.append((to_bits(float(t)), t))
    return rows


def c_string(s):
    return '"' + s + '"'


def emit(out, name, rows, what):
    out.write("/* %s */\nstatic const numfmt_row %s[] = {\n" % (what, name))
    for b, s in rows:
        if len(s) <= 60:
            out.write("    {0x%016xu, %s},\n" % (b, c_string(s)))
        else:  # long strings split over lines
            parts = [s[i:i + 90] for i in range(0, len(s), 90)]
            out.write("    {0x%016xu,\n" % b)
            out.write("".join("     %s\n" % c_string(p) for p in parts[:-1]))
            out.write("     %s},\n" % c_string(parts[-1]))
    out.write("};\n\n")


def main():
    rng = random.Random(20240611)
    out = sys.stdout
    out.write("/* Generated by tools/gen_numfmt_cases.py: do not edit; run it again instead.\n"
              " * Expectations from Python %s (repr, float()) and %s (Display). */\n"
              % (sys.version.split()[0],
                 subprocess.run(["rustc", "--version"], capture_output=True, text=True)
                 .stdout.split("(")[0].strip() or "rustc"))
    out.write("#ifndef KARAK_NUMFMT_CASES_H\n#define KARAK_NUMFMT_CASES_H\n\n"
              "#include <stdint.h>\n\n")
    out.write("typedef struct numfmt_row {\n    uint64_t bits;\n    const char *text;\n"
              "} numfmt_row;\n\n")
    emit(out, "numfmt_repr_rows", repr_rows(rng), "double -> Python repr")
    emit(out, "numfmt_display_rows", display_rows(rng), "double -> Rust Display")
    emit(out, "numfmt_parse_rows", parse_rows(rng), "numeral -> Python float()")
    out.write("#endif\n")


if __name__ == "__main__":
    main()
