"""Go's number semantics that k6's segment arithmetic relies on: ``big.Rat`` text forms and truncating
integer division.

``parse_rat`` reproduces ``big.Rat.SetString`` (base prefixes, ``_`` separators, exponents), so the same
``--execution-segment`` text means the same rational in k6 and loadcell; the printers give k6's error
messages their exact numbers.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = [
    "float_string",
    "go_duration",
    "go_quo",
    "go_rem",
    "parse_rat",
    "rat_full_string",
    "rat_string",
    "scan_int",
]

# --------------------------------------------------------------------------------------------------
# Go arithmetic helpers


def go_quo(a: int, b: int) -> int:
    """Go's ``a / b`` for integers: truncates toward zero (Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def go_rem(a: int, b: int) -> int:
    """Go's ``a % b``: the sign follows the dividend."""
    return a - go_quo(a, b) * b


def go_duration(x: float) -> int:
    """Go's ``time.Duration(x)`` for a float64: truncation toward zero."""
    return int(x)


# --------------------------------------------------------------------------------------------------
# big.Rat text forms


def rat_string(value: Fraction) -> str:
    """``big.Rat.RatString``: ``"a/b"``, or just ``"a"`` for integers (used by segment strings)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def rat_full_string(value: Fraction) -> str:
    """``big.Rat.String`` (what ``%s`` prints for a ``*big.Rat``): always ``"a/b"``."""
    return f"{value.numerator}/{value.denominator}"


def float_string(value: Fraction, prec: int) -> str:
    """``big.Rat.FloatString(prec)``: decimal with ``prec`` digits, halves rounded away from zero."""
    if value.denominator == 1:
        return str(value.numerator) + ("." + "0" * prec if prec > 0 else "")
    num, den = abs(value.numerator), value.denominator
    q, r = divmod(num, den)
    p = 10**prec if prec > 0 else 1
    r, r2 = divmod(r * p, den)
    if den <= 2 * r2:
        r += 1
        if r >= p:
            q += 1
            r -= p
    out = ("-" if value.numerator < 0 else "") + str(q)
    if prec > 0:
        out += "." + str(r).rjust(prec, "0")
    return out


class _Reader:
    """A byte cursor, standing in for the ``io.ByteScanner`` Go's number scanners read from."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.text)


def _digit_value(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "a" <= ch <= "z":
        return ord(ch) - ord("a") + 10
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    return 1 << 30  # not a digit in any base


def _scan_nat(r: _Reader, base: int, frac_ok: bool) -> tuple[int, int, int] | None:
    """Port of Go's ``nat.scan``: returns (value, actual base, count) or None on a scan error.

    ``count`` is the number of digits, or ``-(digits after the radix point)`` when one was seen.
    """
    prev = "."  # '.', '0' (a digit) or '_'
    inval_sep = False
    b, prefix, count = base, "", 0
    if base == 0:
        b = 10
        if r.peek() == "0":
            prev, count = "0", 1
            r.pos += 1
            ch = r.peek()
            if ch is not None:
                if ch in "bB":
                    b, prefix = 2, "b"
                elif ch in "oO":
                    b, prefix = 8, "o"
                elif ch in "xX":
                    b, prefix = 16, "x"
                elif not frac_ok:
                    b, prefix = 8, "0"
                if prefix:
                    count = 0
                    if prefix != "0":
                        r.pos += 1
    value, dp = 0, -1
    while (ch := r.peek()) is not None:
        if ch == "." and frac_ok and dp < 0:
            dp, prev = count, "."
        elif ch == "_" and base == 0:
            if prev != "0":
                inval_sep = True
            prev = "_"
        else:
            d = _digit_value(ch)
            if d >= b:
                break
            prev = "0"
            count += 1
            value = value * b + d
        r.pos += 1
    if inval_sep or prev == "_":
        return None
    if count == 0:
        if prefix == "0":
            return 0, 10, 1  # a lone octal prefix "0" is decimal zero
        return None
    if dp >= 0:
        count = dp - count
    return value, b, count


def _scan_sign(r: _Reader) -> bool:
    ch = r.peek()
    if ch in ("+", "-"):
        r.pos += 1
        return ch == "-"
    return False


def scan_int(text: str, base: int) -> int | None:
    """``big.Int.SetString(text, base)``: optional sign, digits, nothing left over."""
    r = _Reader(text)
    neg = _scan_sign(r)
    res = _scan_nat(r, base, False)
    if res is None or not r.at_end():
        return None
    return -res[0] if neg else res[0]


def _scan_exponent(r: _Reader) -> tuple[int, int] | None:
    """Go's ``scanExponent(r, base2ok=true, sepOk=true)``: returns (exponent, base) or None."""
    ch = r.peek()
    if ch is None or ch not in "eEpP":
        return 0, 10
    ebase = 10 if ch in "eE" else 2
    r.pos += 1
    digits = ""
    ch = r.peek()
    if ch in ("+", "-"):
        if ch == "-":
            digits = "-"
        r.pos += 1
    prev, inval_sep, has_digits = ".", False, False
    while (ch := r.peek()) is not None:
        if "0" <= ch <= "9":
            digits += ch
            prev, has_digits = "0", True
        elif ch == "_":
            if prev != "0":
                inval_sep = True
            prev = "_"
        else:
            break
        r.pos += 1
    if not has_digits or inval_sep or prev == "_":
        return None
    exp = int(digits)
    if not -(1 << 63) <= exp < (1 << 63):
        return None
    return exp, ebase


def parse_rat(text: str) -> Fraction | None:
    """``big.Rat.SetString``: ``"a/b"`` (each side may use 0b/0o/0x/0 prefixes) or a float literal.

    Returns None where Go returns ``ok == false``; that's what makes k6 print "is not a valid ...".
    """
    if not text:
        return None
    if "/" in text:
        sep = text.index("/")
        num = scan_int(text[:sep], 0)
        if num is None:
            return None
        r = _Reader(text[sep + 1 :])
        den = _scan_nat(r, 0, False)
        if den is None or not r.at_end() or den[0] == 0:
            return None
        return Fraction(num, den[0])
    r = _Reader(text)
    neg = _scan_sign(r)
    mant = _scan_nat(r, 0, True)
    if mant is None:
        return None
    exp_res = _scan_exponent(r)
    if exp_res is None or not r.at_end():
        return None
    value, base, fcount = mant
    exp, ebase = exp_res
    if value == 0:
        return Fraction(0)
    exp2 = exp5 = 0
    if fcount < 0:
        exp2 = {10: fcount, 2: fcount, 8: fcount * 3, 16: fcount * 4}[base]
        if base == 10:
            exp5 = fcount
    if ebase == 10:
        exp5 += exp
    exp2 += exp
    if abs(exp5) > 1_000_000 or not -10_000_000 <= exp2 <= 10_000_000:
        return None  # k6/Go refuse excessively large exponents
    result = Fraction(-value if neg else value) * Fraction(5) ** exp5 * Fraction(2) ** exp2
    return result
