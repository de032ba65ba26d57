"""A seeded generator of hostile inputs for the ``nebulayer`` command line.

Each case is one damaged file (made from ../shared/data, Nebulayer's own exports or a project)
plus the command to run on it. The same (seed, index) always gives the same bytes, so a failure
reproduces with::

    .venv/bin/python tests/hostile/fuzz_cases.py --seed SEED --case INDEX --write /tmp/case

which writes the input file and prints the command line.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

DEFAULT_SEED = 20261204

# Small real files (a few hundred KB each keeps a case fast).
SHARED_FILES = {
    "fits": ["fits/m51_kpno_b_int16.fits", "fits/gc_msx_e_float64.fits",
             "fits/eso_midas_ccd_float32.fits", "fits/l1448_13co_cube.fits"],
    "raw": ["raw/kodak_dc50_bayer.kdc", "raw/canon_eos_6d_linear.dng",
            "raw/invalid/exiv2_canon_powershot_s40_truncated.crw"],
}

HOSTILE_NUMBERS: list[Any] = [0, -1, 1, 2, 3, 65535, 2**31, 2**63, -2**31, 1e29, -1e29, 1e308,
                              0.5, -0.0, 1e-300]
HOSTILE_VALUES: list[Any] = [None, True, "", "x", [], {}, [1, 2], {"a": 1}, "nan", "../../etc/passwd",
                             "\u202e\x00\x1b[31m", "A" * 5000]
FITS_CARDS = ["BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "NAXIS3", "BZERO", "BSCALE", "BLANK",
              "EXTEND", "BAYERPAT", "ROWORDER", "XBAYROFF", "CTYPE1", "CRPIX1", "CDELT1",
              "EXPTIME", "DATE-OBS", "SIMPLE"]
FITS_VALUES = ["0", "-1", "3", "99999999", "-99999999", "1E29", "NaN", "", "'garbage'", "T", "F",
               "-64", "-8", "128", "1.5", "'RGGB'", "'TOP-DOWN'", "'" + "Q" * 66 + "'", "2147483648",
               "4", "-32", "16"]


@dataclass
class Case:
    index: int
    kind: str  # base kind: fits, raw, tiff, png, jpg, nebula
    base: str  # the file the damage started from
    damage: str  # what was done to it
    data: bytes
    command: str  # info | convert | render
    out_ext: str | None
    subprocess: bool = False
    extra_args: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.index:04d}-{self.kind}-{self.damage}"

    @property
    def input_name(self) -> str:
        ext = {"fits": ".fits", "tiff": ".tif", "png": ".png", "jpg": ".jpg",
               "nebula": ".nebula"}.get(self.kind)
        return f"case{self.index:04d}{ext or Path(self.base).suffix.lower()}"

    def argv(self, input_path: Path, out_path: Path | None) -> list[str]:
        if self.command == "info":
            return ["info", str(input_path)]
        if self.command == "convert":
            return ["convert", str(input_path), str(out_path), *self.extra_args]
        return ["render", str(input_path), "-o", str(out_path), *self.extra_args]


# ----------------------------------------------------------------------------- byte damage

def flip_bytes(data: bytes, rng: random.Random, header_only: bool) -> tuple[bytes, str]:
    buf = bytearray(data)
    span = min(len(buf), 8192) if header_only else len(buf)
    n = rng.randint(1, 24)
    for _ in range(n):
        i = rng.randrange(span)
        buf[i] ^= 1 << rng.randrange(8) if rng.random() < 0.6 else rng.randrange(1, 256)
    return bytes(buf), f"flip{n}{'h' if header_only else ''}"


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    cut = rng.choice([rng.randrange(1, 64), rng.randrange(len(data)), len(data) - rng.randrange(1, 512)])
    cut = max(1, min(len(data) - 1, cut))
    return data[:cut], f"trunc{cut}"


def splice(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Duplicate or zero a chunk: what a bad copy or a sector error does."""
    i = rng.randrange(len(data))
    n = rng.randint(1, min(4096, len(data) - i))
    if rng.random() < 0.5:
        return data[:i] + bytes(n) + data[i + n:], f"zero{i}+{n}"
    return data[:i] + data[i:i + n] * 2 + data[i + n:], f"dup{i}+{n}"


def edit_fits_header(data: bytes, rng: random.Random, start: int = 0) -> tuple[bytes, str]:
    """Set one card of the FITS header at ``start`` to a hostile value (or remove END)."""
    buf = bytearray(data)
    cards = []
    for pos in range(start, min(len(buf), start + 2880 * 40), 80):
        key = bytes(buf[pos:pos + 8]).decode("ascii", "replace").strip()
        cards.append((pos, key))
        if key == "END":
            break
    if not cards:
        return flip_bytes(data, rng, True)
    if rng.random() < 0.1:
        pos = next((p for p, k in cards if k == "END"), cards[-1][0])
        buf[pos:pos + 3] = b"   "
        return bytes(buf), "noEND"
    wanted = rng.choice(FITS_CARDS)
    pos = next((p for p, k in cards if k == wanted), rng.choice(cards)[0])
    value = rng.choice(FITS_VALUES)
    key = re.sub(r"[^A-Z0-9_-]", "", bytes(buf[pos:pos + 8]).decode("ascii", "replace"))[:8] or wanted
    card = f"{key:<8}= {value:>20}".ljust(80)[:80].encode("ascii")
    buf[pos:pos + 80] = card
    return bytes(buf), f"card-{key}={value[:12]}"


def _damage_bytes(data: bytes, rng: random.Random, kind: str) -> tuple[bytes, str]:
    r = rng.random()
    if kind == "fits" and r < 0.45:
        return edit_fits_header(data, rng)
    if kind == "tiff" and r < 0.45:
        at = data.find(b"SIMPLE  =")
        if at >= 0:  # the FITS header Nebulayer embeds in its TIFF exports
            return edit_fits_header(data, rng, at) if rng.random() < 0.7 else _text_flip(data, at, rng)
    if r < 0.65:
        return flip_bytes(data, rng, header_only=rng.random() < 0.6)
    if r < 0.85:
        return truncate(data, rng)
    return splice(data, rng)


def _text_flip(data: bytes, at: int, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[at + rng.randrange(min(2880, len(buf) - at))] = rng.choice(b"\x00\xff\n'=/ ~")
    return bytes(buf), "embeddedfits-text"


# ----------------------------------------------------------------------------- project damage

def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _set(doc: Any, path: tuple, value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


def _del(doc: Any, path: tuple) -> None:
    for k in path[:-1]:
        doc = doc[k]
    del doc[path[-1]]


def edit_json(record: dict, rng: random.Random) -> tuple[str, str]:
    """document.json text after one hostile edit."""
    doc = json.loads(json.dumps(record))
    paths = [p for p in _paths(doc) if p]
    path = rng.choice(paths)
    r = rng.random()
    label = "/".join(str(k) for k in path)[-40:]
    if r < 0.3:
        _set(doc, path, rng.choice(HOSTILE_NUMBERS))
        what = "num"
    elif r < 0.5:
        _set(doc, path, rng.choice(HOSTILE_VALUES))
        what = "val"
    elif r < 0.6:
        _del(doc, path)
        what = "del"
    elif r < 0.7 and doc.get("layers"):
        layer = doc["layers"][-1]
        key = "offset" if "offset" in layer else "opacity"
        if key == "offset":
            layer["offset"] = [rng.choice([1e29, -1e29, 1e300, 2**40, 3.5]), 0]
        else:
            layer["opacity"] = rng.choice([1e29, -5, 2])
        what, label = "layerbig", key
    elif r < 0.8:
        depth = rng.choice([50, 200, 5000])
        _set(doc, path, "__DEEP__")  # spliced in as text: json.dumps itself would recurse too deep
        what = f"deep{depth}"
    elif r < 0.9:
        layers = doc.get("layers") if isinstance(doc.get("layers"), list) else []
        doc["layers"] = layers * rng.choice([50, 400])
        what, label = "manylayers", str(len(doc["layers"]))
    else:
        _set(doc, path, rng.choice(["P" * 300_000, list(range(200_000))]))
        what = "huge"
    text = json.dumps(doc)
    if what.startswith("deep"):
        text = text.replace('"__DEEP__"', "[" * depth + "1" + "]" * depth, 1)
    if rng.random() < 0.05:
        text = text.replace("1e+29", "1e400", 1)
    return text, f"json-{what}-{label}"


def damage_project(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    record = json.loads(members["document.json"])
    r = rng.random()
    damage = ""
    if r < 0.55:
        members["document.json"], damage = edit_json(record, rng)
    elif r < 0.75:
        fits_members = [n for n in members if n.endswith(".fits")]
        if fits_members:
            name = rng.choice(fits_members)
            members[name], what = _damage_bytes(members[name], rng, "fits")
            damage = f"member-{what}"
        else:
            members["document.json"], damage = edit_json(record, rng)
    elif r < 0.85:
        name = rng.choice(list(members))
        evil = rng.choice(["../escape.fits", "/tmp/abs.fits", "a/../../b", "C:evil", "sources\\x.fits"])
        members[evil] = members.pop(name)
        damage = f"zipname-{evil}"
    else:
        out, damage = _damage_bytes(_zip(members), rng, "zip")
        return out, f"zipbytes-{damage}"
    return _zip(members), damage


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ----------------------------------------------------------------------------- the case list

def generate(bases: dict[str, list[tuple[str, bytes]]], seed: int, count: int,
             subprocess_every: int = 0) -> list[Case]:
    """``count`` cases from ``bases`` (kind -> [(name, bytes)]); deterministic in ``seed``."""
    kinds = [k for k in ("fits", "raw", "tiff", "png", "jpg", "nebula") if bases.get(k)]
    weights = {"fits": 4, "raw": 2, "tiff": 3, "png": 1, "jpg": 1, "nebula": 5}
    out = []
    for index in range(count):
        rng = random.Random(f"{seed}-{index}")
        kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
        base, data = rng.choice(bases[kind])
        if kind == "nebula":
            data, damage = damage_project(data, rng)
            command, ext = "render", rng.choice([".tif", ".fits", ".png"])
            extra = ["--scale", "0.25"] if "sample" in base else []
        else:
            data, damage = _damage_bytes(data, rng, kind)
            command = rng.choice(["info", "convert", "convert"])
            ext = rng.choice([".tif", ".fits", ".png"]) if command == "convert" else None
            extra = []
        damage = re.sub(r"[^A-Za-z0-9=+._-]", "_", damage)[:48]
        out.append(Case(index, kind, base, damage, data, command, ext,
                        subprocess=bool(subprocess_every) and index % subprocess_every == 0,
                        extra_args=extra))
    return out


def load_bases(shared: Path | None, own: dict[str, list[tuple[str, bytes]]]) -> dict[str, list[tuple[str, bytes]]]:
    bases: dict[str, list[tuple[str, bytes]]] = {k: list(v) for k, v in own.items()}
    if shared is not None:
        for kind, names in SHARED_FILES.items():
            for name in names:
                p = shared / name
                if p.is_file():
                    bases.setdefault(kind, []).append((name, p.read_bytes()))
    return bases


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fuzz_bases import make_own_bases, shared_data_folder  # noqa: E402

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--case", type=int, required=True)
    p.add_argument("--write", type=Path, required=True)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bases = load_bases(shared_data_folder(), make_own_bases(Path(tmp), args.write))
    case = generate(bases, args.seed, args.case + 1)[args.case]
    args.write.mkdir(parents=True, exist_ok=True)
    inp = args.write / case.input_name
    inp.write_bytes(case.data)
    out = args.write / f"out{case.out_ext}" if case.out_ext else None
    print(case.id)
    print("nebulayer " + " ".join(case.argv(inp, out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
