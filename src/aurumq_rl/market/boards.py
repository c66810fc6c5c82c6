"""Board of a stock from its Tushare-style code (`600000.SH`).

The code → board table lives here once; everything else asks `board_expr` (a polars expression).
"""

from __future__ import annotations

from datetime import date

import polars as pl

MAIN = "main"
CHINEXT = "chinext"
STAR = "star"
BSE = "bse"
B_SHARE = "b_share"
BOARDS: tuple[str, ...] = (MAIN, CHINEXT, STAR, BSE)

# First trading day of each board that opened recently enough to matter: no stock of it trades earlier.
BOARD_OPENED: dict[str, date] = {CHINEXT: date(2009, 10, 30), STAR: date(2019, 7, 22), BSE: date(2021, 11, 15)}

CODE_PATTERN = r"^\d{6}\.(SH|SZ|BJ)$"

# (exchange suffix, code prefix, board). Longest matching prefix wins; order does not matter.
BOARD_TABLE: tuple[tuple[str, str, str], ...] = (
    ("SH", "600", MAIN), ("SH", "601", MAIN), ("SH", "603", MAIN), ("SH", "605", MAIN),
    ("SH", "688", STAR), ("SH", "689", STAR),
    ("SZ", "000", MAIN), ("SZ", "001", MAIN), ("SZ", "002", MAIN), ("SZ", "003", MAIN),
    # 302: ChiNext's code segment opened in 2025 (302132.SZ, a restructured 300114.SZ), beyond DOMAIN.md's 300/301
    ("SZ", "300", CHINEXT), ("SZ", "301", CHINEXT), ("SZ", "302", CHINEXT),
    ("BJ", "43", BSE), ("BJ", "83", BSE), ("BJ", "87", BSE), ("BJ", "88", BSE), ("BJ", "920", BSE),
    ("SH", "900", B_SHARE), ("SZ", "200", B_SHARE),
)


def board_expr(code: pl.Expr | str = "ts_code") -> pl.Expr:
    """Polars expression mapping `ts_code` to its board name; null for codes no board claims."""
    code = pl.col(code) if isinstance(code, str) else code
    suffix = code.str.slice(7, 2)
    out: pl.Expr = pl.lit(None, dtype=pl.String)
    # Shorter prefixes first so that longer (more specific) ones override them.
    for sfx, prefix, board in sorted(BOARD_TABLE, key=lambda r: len(r[1])):
        out = pl.when((suffix == sfx) & code.str.starts_with(prefix)).then(pl.lit(board)).otherwise(out)
    return out.alias("board")

