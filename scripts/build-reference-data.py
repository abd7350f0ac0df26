#!/usr/bin/env python3
"""Build Bridgehub's reference data files from the shared sources.

Reads (under --shared, default ../shared relative to the repository root):
  data/country-codes/country-codes.csv   ISO 3166-1 + UN M49 (ODC-PDDL-1.0)
  data/cldr/main/{en,zh,zh-Hant}/*.json  CLDR 48 display names (Unicode-3.0)
  data/cldr/supplemental/territoryContainment.json
  data/language-codes/language-codes.csv ISO 639-1 (ODC-PDDL-1.0)

Writes (under --out, default crates/domain/data):
  countries.tsv  regions.tsv  languages.tsv

Checks, but never writes (they are hand-curated):
  sectors.tsv  groupings.json

Output is deterministic: UTF-8, LF line endings, tab-separated, one header line,
rows sorted. `--check` regenerates in memory and fails if a file on disk differs.

Standard library only; tested with python3.11.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Locales of the reference names: (column suffix, CLDR locale directory).
LOCALES = (("en", "en"), ("zh_hans", "zh"), ("zh_hant", "zh-Hant"))

# CLDR `-alt-short` names are preferred for countries (e.g. HK: "Hong Kong SAR China" ->
# "Hong Kong", 中国香港特别行政区 -> 香港; MM: "Myanmar (Burma)" -> "Myanmar"), except where
# the short form is an abbreviation or a truncation meant for tight space, not a name
# to show in a country list: GB "UK", US "US", BA "Bosnia".
ALT_SHORT_EXCLUDED = {"GB", "US", "BA"}

# Corrections of evident CLDR 48 typos: (locale, code) -> (CLDR value, corrected value).
# The CLDR value is stated so that the fix is dropped loudly once CLDR changes.
CLDR_NAME_FIXES = {
    # zh-Hant 202 reads 撒哈拉撒沙漠以南非洲 (a duplicated 撒); the term is 撒哈拉沙漠以南非洲.
    ("zh-Hant", "202"): ("撒哈拉撒沙漠以南非洲", "撒哈拉沙漠以南非洲"),
}

# Script/region tags added to the ISO 639-1 languages.
EXTRA_LANGUAGE_TAGS = (
    "zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK", "pt-BR", "pt-PT",
    "en-GB", "en-US", "es-419", "sr-Latn", "ms-Arab",
)

# CLDR composes a name for a tag it has no entry for as "language (qualifier)", with
# localeDisplayNames.json's localeDisplayPattern: "{0} ({1})" in en, "{0}（{1}）" in zh
# and zh-Hant. Script names come from CLDR 48 scripts.json, which is not in the shared
# subset; the two needed are copied here.
LOCALE_PATTERN = {"en": "{0} ({1})", "zh": "{0}（{1}）", "zh-Hant": "{0}（{1}）"}
SCRIPT_NAMES = {
    "Latn": {"en": "Latin", "zh": "拉丁文", "zh-Hant": "拉丁文"},
    "Arab": {"en": "Arabic", "zh": "阿拉伯文", "zh-Hant": "阿拉伯文"},
}

SECTOR_CODES = (
    "finance", "asset_management", "trade", "shipping", "aviation", "logistics",
    "technology", "legal", "intellectual_property", "arts_culture", "professional_services",
    "education", "research", "tourism", "sports", "exhibitions", "media", "health",
    "public_welfare", "manufacturing", "agrifood", "energy_environment", "infrastructure",
    "retail_consumer",
)

GROUPING_CODES = (
    "asean", "gcc", "eu", "rcep", "cptpp", "brics", "bri", "mainland_china",
    "greater_bay_area", "middle_east", "africa", "latin_america", "central_asia", "south_asia",
)

COUNTRY_HEADER = ("code", "alpha3", "m49", "region", "subregion", "intermediate",
                  "name_en", "name_zh_hans", "name_zh_hant")
REGION_HEADER = ("code", "level", "parent", "name_en", "name_zh_hans", "name_zh_hant")
LANGUAGE_HEADER = ("tag", "name_en", "name_zh_hans", "name_zh_hant")
SECTOR_HEADER = ("code", "name_en", "name_zh_hans", "name_zh_hant")

M49_CODE = re.compile(r"^[0-9]{3}$")

# The two M49 sub-regions that CLDR keeps as groupings over its own sub-regions (which
# are the M49 intermediate regions): sub-region -> its M49 region. CLDR's other numeric
# groupings (003 North America, ...) are not M49 levels.
M49_SUBREGION_GROUPINGS = {"202": "002", "419": "019"}


class DataError(Exception):
    """The sources or the hand-curated files are not as expected."""


def fail(message: str) -> None:
    raise DataError(message)


def m49(value: str) -> str:
    """A UN M49 code as the zero-padded 3-digit string ("30" -> "030"); "" stays ""."""
    value = value.strip()
    if not value:
        return ""
    if not value.isdigit() or len(value) > 3:
        fail(f"not an M49 code: {value!r}")
    return value.zfill(3)


# ---------------------------------------------------------------- sources


class Cldr:
    def __init__(self, root: Path) -> None:
        self.territories = {}
        self.languages = {}
        for _, loc in LOCALES:
            self.territories[loc] = self._names(root / "main" / loc / "territories.json", loc, "territories")
            self.languages[loc] = self._names(root / "main" / loc / "languages.json", loc, "languages")
        containment = json.loads((root / "supplemental" / "territoryContainment.json").read_text("utf-8"))
        self.containment = containment["supplemental"]["territoryContainment"]
        # Parent links of CLDR's core tree (no groupings, no deprecated entries).
        self.parent = {}
        for key, entry in self.containment.items():
            if "-status-" in key or entry.get("_grouping") == "true" or not M49_CODE.match(key):
                continue
            for child in entry["_contains"]:
                self.parent[child] = key

    @staticmethod
    def _names(path: Path, loc: str, kind: str) -> dict:
        data = json.loads(path.read_text("utf-8"))
        return data["main"][loc]["localeDisplayNames"][kind]

    def territory(self, loc: str, code: str, short: bool) -> str:
        names = self.territories[loc]
        name = names.get(f"{code}-alt-short") if short else None
        name = name or names.get(code, "")
        fix = CLDR_NAME_FIXES.get((loc, code))
        if fix:
            if name != fix[0]:
                fail(f"CLDR {loc} {code} is now {name!r}; review CLDR_NAME_FIXES")
            name = fix[1]
        if not name:
            fail(f"CLDR {loc} has no territory name for {code}")
        return name

    def m49_path(self, code: str) -> tuple[str, str, str] | None:
        """(region, subregion, intermediate) of a territory from CLDR's containment tree.

        CLDR's core tree (entries without `_grouping`, keys without `-status-`) runs
        001 -> region -> sub-region -> territory, and uses the M49 intermediate regions
        as the sub-regions of Africa and the Americas (e.g. 005 South America under 019).
        The M49 sub-regions 202 Sub-Saharan Africa and 419 Latin America and the
        Caribbean are CLDR groupings over those; they are put back here. Returns None
        when the path leaves the numeric M49 codes (CLDR puts AQ in QO "Outlying
        Oceania", which is not an M49 area; M49 gives Antarctica no region).
        """
        parent = self.parent
        path = []
        node = code
        while node in parent and parent[node] != "001":
            node = parent[node]
            path.append(node)
        if not path or parent.get(node) != "001":
            return None
        path.reverse()  # [region, sub-region]
        if len(path) != 2:
            fail(f"unexpected CLDR containment depth for {code}: {path}")
        region, sub = path
        for grouping, grouping_region in M49_SUBREGION_GROUPINGS.items():
            if sub in self.containment[grouping]["_contains"] and region == grouping_region:
                return region, grouping, sub
        return region, sub, ""


def read_country_codes(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail(f"{path} is empty")
    return rows


def read_iso639_1(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        codes = [row["alpha2"].strip() for row in csv.DictReader(f)]
    for code in codes:
        if not re.fullmatch(r"[a-z]{2}", code):
            fail(f"not an ISO 639-1 code: {code!r}")
    return codes


# ---------------------------------------------------------------- tables


def build_countries(rows: list[dict], cldr: Cldr, log) -> list[tuple]:
    out = {}
    for row in rows:
        code = row["ISO3166-1-Alpha-2"].strip()
        if not re.fullmatch(r"[A-Z]{2}", code):
            fail(f"bad alpha-2 code {code!r}")
        if code in out:
            fail(f"duplicate alpha-2 code {code}")
        region = m49(row["Region Code"])
        sub = m49(row["Sub-region Code"])
        inter = m49(row["Intermediate Region Code"])
        cldr_path = cldr.m49_path(code)
        if not region:
            # country-codes.csv leaves the M49 region empty for a few entries (in some
            # versions TW, which M49 itself does not list; it is in 030 Eastern Asia /
            # 142 Asia in CLDR). Fill those from CLDR supplemental territoryContainment.
            if cldr_path:
                region, sub, inter = cldr_path
                log(f"note: {code}: no M49 region in country-codes.csv; filled from CLDR: {cldr_path}")
            else:
                log(f"note: {code}: no M49 region in country-codes.csv nor in CLDR's M49 tree; left empty")
        elif cldr_path and cldr_path != (region, sub, inter):
            log(f"note: {code}: country-codes.csv M49 {(region, sub, inter)} differs from CLDR {cldr_path}; "
                "kept country-codes.csv")
        if sub and not region or inter and not sub:
            fail(f"{code}: incomplete M49 path {(region, sub, inter)}")
        alpha3 = row["ISO3166-1-Alpha-3"].strip()
        num = m49(row["M49"] or row["ISO3166-1-numeric"])
        names = [cldr.territory(loc, code, short=code not in ALT_SHORT_EXCLUDED) for _, loc in LOCALES]
        out[code] = (code, alpha3, num, region, sub, inter, *names)
    return [out[c] for c in sorted(out)]


def build_regions(countries: list[tuple], cldr: Cldr) -> list[tuple]:
    levels = {}  # code -> (level, parent)

    def put(code: str, level: str, parent: str) -> None:
        if code in levels and levels[code] != (level, parent):
            fail(f"M49 {code} is both {levels[code]} and {(level, parent)}")
        levels[code] = (level, parent)

    for _, _, _, region, sub, inter, *_ in countries:
        if region:
            put(region, "region", "001")
        if sub:
            put(sub, "subregion", region)
        if inter:
            put(inter, "intermediate", sub)
    order = {"region": 0, "subregion": 1, "intermediate": 2}
    out = []
    for code, (level, parent) in sorted(levels.items(), key=lambda kv: (order[kv[1][0]], kv[0])):
        names = [cldr.territory(loc, code, short=False) for _, loc in LOCALES]
        out.append((code, level, parent, *names))
    return out


def language_name(cldr: Cldr, loc: str, tag: str, country_names: dict) -> str:
    names = cldr.languages[loc]
    if tag in names:
        return names[tag]
    base, _, qualifier = tag.partition("-")
    if not qualifier or base not in names:
        fail(f"CLDR {loc} has no name for language {tag}")
    if qualifier in SCRIPT_NAMES:
        qual = SCRIPT_NAMES[qualifier][loc]
    elif re.fullmatch(r"[A-Z]{2}", qualifier):
        qual = country_names[qualifier][loc]
    elif re.fullmatch(r"[0-9]{3}", qualifier):
        qual = cldr.territory(loc, qualifier, short=False)
    else:
        fail(f"no qualifier name for {tag}")
    return LOCALE_PATTERN[loc].format(names[base], qual)


def build_languages(codes: list[str], cldr: Cldr, countries: list[tuple]) -> list[tuple]:
    country_names = {c[0]: dict(zip((loc for _, loc in LOCALES), c[6:9])) for c in countries}
    tags = set(codes) | set(EXTRA_LANGUAGE_TAGS)
    if len(tags) != len(codes) + len(EXTRA_LANGUAGE_TAGS):
        fail("duplicate language tags")
    return [(tag, *(language_name(cldr, loc, tag, country_names) for _, loc in LOCALES)) for tag in sorted(tags)]


# ---------------------------------------------------------------- files


def render_tsv(header: tuple, rows: list[tuple]) -> str:
    lines = []
    for row in (header, *rows):
        if len(row) != len(header):
            fail(f"row has {len(row)} fields, header {len(header)}: {row}")
        for cell in row:
            if any(ch in cell for ch in "\t\r\n") or cell != cell.strip():
                fail(f"cell unfit for TSV: {cell!r}")
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def read_tsv(path: Path, header: tuple) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    if "\r" in text:
        fail(f"{path}: CR line endings")
    lines = text.split("\n")
    if lines[-1] != "":
        fail(f"{path}: no final newline")
    rows = [line.split("\t") for line in lines[:-1]]
    if tuple(rows[0]) != header:
        fail(f"{path}: header {rows[0]} != {list(header)}")
    for row in rows[1:]:
        if len(row) != len(header):
            fail(f"{path}: row {row} has {len(row)} fields")
    return rows[1:]


def check_sectors(path: Path) -> int:
    if not path.exists():
        fail(f"{path} is missing (it is hand-curated, not generated)")
    rows = read_tsv(path, SECTOR_HEADER)
    codes = tuple(r[0] for r in rows)
    if codes != SECTOR_CODES:
        fail(f"{path}: codes {codes} != {SECTOR_CODES}")
    for row in rows:
        if not all(cell.strip() for cell in row):
            fail(f"{path}: empty name in {row}")
    return len(rows)


def check_groupings(path: Path, countries: list[tuple], cldr: Cldr) -> dict:
    """Validate the hand-curated groupings against the generated country table."""
    if not path.exists():
        fail(f"{path} is missing (it is hand-curated, not generated)")
    groups = json.loads(path.read_text("utf-8"))
    if not isinstance(groups, list):
        fail(f"{path}: not a JSON array")
    codes = [g.get("code") for g in groups]
    if sorted(codes) != sorted(GROUPING_CODES) or len(codes) != len(set(codes)):
        fail(f"{path}: grouping codes {codes} != {list(GROUPING_CODES)}")
    known = {c[0] for c in countries}
    by_code = {}
    for g in groups:
        where = f"{path}: {g['code']}"
        if set(g) != {"code", "names", "members", "source", "as_of", "notes"}:
            fail(f"{where}: keys {sorted(g)}")
        if set(g["names"]) != {"en", "zh-Hans", "zh-Hant"} or not all(g["names"].values()):
            fail(f"{where}: names must be en, zh-Hans, zh-Hant, all non-empty")
        members = g["members"]
        if members != sorted(set(members)) or not members:
            fail(f"{where}: members must be non-empty, sorted and unique")
        unknown = [m for m in members if m not in known]
        if unknown:
            fail(f"{where}: members not in countries.tsv: {unknown}")
        if not re.fullmatch(r"https://\S+", g["source"]):
            fail(f"{where}: source must be an https URL")
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", g["as_of"]):
            fail(f"{where}: as_of must be YYYY-MM-DD")
        if not isinstance(g["notes"], str):
            fail(f"{where}: notes must be a string")
        by_code[g["code"]] = set(members)

    # The M49-derived groupings must equal what the country table says.
    def in_m49(code: str) -> set:
        return {c[0] for c in countries if code in (c[3], c[4], c[5])}

    expected = {
        "africa": in_m49("002"),
        "latin_america": in_m49("419"),
        "central_asia": in_m49("143"),
        "south_asia": in_m49("034"),
        "middle_east": in_m49("145") | {"EG", "IR"},
        "eu": set(cldr.containment["EU"]["_contains"]),
        "mainland_china": {"CN"},
        "greater_bay_area": {"CN", "HK", "MO"},
    }
    for code, want in expected.items():
        if by_code[code] != want:
            fail(f"{path}: {code} differs from its definition: "
                 f"extra {sorted(by_code[code] - want)}, missing {sorted(want - by_code[code])}")
    asean10 = by_code["asean"] - {"TL"}
    if by_code["rcep"] != asean10 | {"AU", "CN", "JP", "KR", "NZ"}:
        fail(f"{path}: rcep must be ASEAN-10 + AU CN JP KR NZ")
    if "CN" in by_code["bri"] or "IT" in by_code["bri"] or "PA" in by_code["bri"]:
        fail(f"{path}: bri must not list CN, IT (withdrew 2023) or PA (withdrew 2025)")
    return {g["code"]: len(g["members"]) for g in groups}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared",
                    help="the shared folder (default: ../shared relative to the repository root)")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "crates" / "domain" / "data",
                    help="output folder (default: crates/domain/data)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; fail if the files on disk differ from what would be written")
    ap.add_argument("--quiet", action="store_true", help="no notes on stderr")
    args = ap.parse_args(argv)

    def log(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    data = args.shared / "data"
    cldr = Cldr(data / "cldr")
    countries = build_countries(read_country_codes(data / "country-codes" / "country-codes.csv"), cldr, log)
    regions = build_regions(countries, cldr)
    languages = build_languages(read_iso639_1(data / "language-codes" / "language-codes.csv"), cldr, countries)

    by_code = {c[0]: c for c in countries}
    for code in ("CN", "HK", "MO", "TW"):
        if code not in by_code or not (by_code[code][3] and by_code[code][4]):
            fail(f"{code} must be present with an M49 region and sub-region")

    outputs = {
        "countries.tsv": render_tsv(COUNTRY_HEADER, countries),
        "regions.tsv": render_tsv(REGION_HEADER, regions),
        "languages.tsv": render_tsv(LANGUAGE_HEADER, languages),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, text in outputs.items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != text.encode("utf-8"):
                stale.append(name)
        else:
            with path.open("w", encoding="utf-8", newline="\n") as f:
                f.write(text)

    # Hand-curated files: checked against the generated tables, never written.
    sectors = check_sectors(args.out / "sectors.tsv")
    groups = check_groupings(args.out / "groupings.json", countries, cldr)

    log(f"countries {len(countries)}, regions {len(regions)}, languages {len(languages)}, sectors {sectors}")
    log("groupings " + ", ".join(f"{k} {v}" for k, v in groups.items()))
    if stale:
        print(f"out of date (rerun scripts/build-reference-data.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except DataError as err:
        print(f"build-reference-data: {err}", file=sys.stderr)
        sys.exit(2)
