"""Reading an AidData GCDF 3.0 title: lender, instrument, amount wording, capacity, links,
technology and whether the record finances a project at all.

Every rule is an explicit table below, tested one entry at a time (tests/test_aiddata.py);
a title no rule recognises is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from app.models import FinancingInstrument, LocationPrecision, OrganizationKind, ProjectStatus

# ---------------------------------------------------------------- lenders


@dataclass(frozen=True)
class Lender:
    slug: str
    name: str
    kind: OrganizationKind
    pattern: re.Pattern[str]
    country: str | None = "CHN"


def _lender(slug: str, name: str, pattern: str, kind: str = "lender") -> Lender:
    return Lender(slug, name, OrganizationKind(kind), re.compile(rf"^(?:{pattern})$", re.I))


# One segment of the funder phrase ("China Eximbank and China Construction Bank" has two)
# is matched whole against these, in order. Slugs of organisations already in the seed are
# reused; the others are created by the import with the name given here.
LENDERS: tuple[Lender, ...] = (
    _lender("china-exim", "Export-Import Bank of China (China Eximbank)",
            r"China Eximbank|China Exim Bank|Export-Import Bank of China"),
    _lender("cdb", "China Development Bank (CDB)", r"China Development Bank|CDB"),
    _lender("icbc", "ICBC", r"ICBC|Industrial and Commercial Bank of China"),
    _lender("icbc-turkey", "ICBC Turkey", r"ICBC Turkey"),
    _lender("icbc-asia", "ICBC (Asia)", r"ICBC Asia"),
    _lender("bank-of-china", "Bank of China", r"Bank of China|BOC"),
    _lender("china-construction-bank", "China Construction Bank", r"China Construction Bank|CCB"),
    _lender("agricultural-bank-of-china", "Agricultural Bank of China",
            r"Agricultural Bank of China"),
    _lender("china-citic-bank", "China CITIC Bank", r"China CITIC Bank"),
    _lender("china-bohai-bank", "China Bohai Bank", r"China Bohai Bank"),
    _lender("bank-of-jiangsu", "Bank of Jiangsu", r"Bank of Jiangsu"),
    _lender("bank-of-shanghai", "Bank of Shanghai", r"Bank of Shanghai"),
    _lender("cmb-wing-lung-bank", "CMB Wing Lung Bank", r"CMB Wing Lung Bank"),
    _lender("silk-road-fund", "Silk Road Fund", r"Silk Road Fund"),
    _lender("africa-growing-together-fund", "Africa Growing Together Fund (AGTF)",
            r"Africa Growing Together Fund"),
    _lender("china-co-financing-fund", "China Co-Financing Fund for Latin America and the "
            "Caribbean (CHC)", r"China Co-Financing Fund|CHC"),
    _lender("china-venezuela-joint-fund", "China-Venezuela Joint Fund",
            r"China-Venezuela Joint Fund"),
    _lender("chinese-government", "Government of the People's Republic of China",
            r"Chinese Government|Government of China|China|Chinese Embassy(?: in \w+)?",
            "government"),
    # Contractors that lend as suppliers (supplier's credit), under names the titles use.
    _lender("cmec", "China Machinery Engineering Corporation (CMEC)", r"CMEC", "company"),
    _lender("cwe", "China International Water & Electric Corporation (CWE)", r"CWE", "company"),
    _lender("norinco", "China North Industries Corporation (NORINCO)", r"NORINCO", "company"),
    _lender("state-grid", "State Grid Corporation of China (SGCC)",
            r"State Grid Corporation|SGCC", "company"),
    _lender("sinohydro", "Sinohydro", r"Sinohydro", "company"),
    _lender("mofcom", "Ministry of Commerce of China (MOFCOM)",
            r"MOFCOM|(?:China|Chinese) Ministry of Commerce|China's Ministry of Commerce",
            "government"),
)  # fmt: skip

# Verbs that end the funder phrase at the start of a title ("China Eximbank provides ...").
# Case-sensitive, so "Silk Road Fund" is a name and "funds" a verb; a few titles capitalise.
_FUNDER_END = re.compile(
    r"\s+(?:provides?|provided|participates?|contributes?|grants?|loans?|lends?|funds|"
    r"finances?|extends?|signs?|gave|gives|issues?|disburses?|restructures?|donates?|"
    r"sponsors?|supports?|commits?|committed|offers?|agrees?|approves?|administers?|"
    r"builds?|trains?|held|holds?|conducts?|commences?|sends?|secures?|raises?|invests?|"
    r"partner|Provides|Grants|Donates|Funds)\b"
)
_TAGS = re.compile(r"^\s*(?:\[[^\]]*\]\s*)+")


def tags(title: str) -> list[str]:
    """The bracketed programme tags at the start of a title: [CPEC, IPP] -> CPEC, IPP."""
    found = _TAGS.match(title)
    if not found:
        return []
    return [
        t.strip() for part in re.findall(r"\[([^\]]*)\]", found.group(0)) for t in part.split(",")
    ]


def funder_phrase(title: str) -> str:
    """The words before the verb, without programme tags: who the record says funds it."""
    text = _TAGS.sub("", title).strip()
    end = _FUNDER_END.search(text)
    return text[: end.start()].strip() if end else ""


def lenders_named(title: str) -> list[Lender]:
    """Lenders the title names, first-named first. A fund administered by another (the IDB's
    China Co-Financing Fund) is named in the tag: the fund is the lender."""
    found: list[Lender] = []
    for tag in tags(title):
        found += [lender for lender in LENDERS if lender.pattern.match(tag)]
    if found:
        return found[:1]
    phrase = funder_phrase(title)
    whole = [lender for lender in LENDERS if lender.pattern.match(phrase)]
    if whole:
        return whole[:1]
    for segment in re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", phrase):
        found += [lender for lender in LENDERS if lender.pattern.match(segment.strip())][:1]
    if not found and (written := lender_as_written(title)):
        found.append(written)
    return list(dict.fromkeys(found))


# A funder phrase that names no one in particular: the record's lender stays unnamed.
_UNNAMED = re.compile(r"^(?:Chinese|Chins?)\b(?! Government| Embassy)|^The\b", re.I)


def lender_as_written(title: str) -> Lender | None:
    """A company the table does not know, lending as a supplier ("CNEEC provides $3 million
    supplier credit"): recorded under the name the title uses, never an expansion of ours."""
    phrase = funder_phrase(title)
    if not phrase or _UNNAMED.search(phrase) or len(phrase.split()) > 5:
        return None
    if not re.search(re.escape(phrase) + r"\s+provides?\b", title):
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", phrase.lower()).strip("-")
    return Lender(slug, phrase, OrganizationKind.company, re.compile(re.escape(phrase)), None)


# ---------------------------------------------------------------- instrument and amount

# First match wins: the more specific wording before the general.
INSTRUMENTS: tuple[tuple[re.Pattern[str], FinancingInstrument], ...] = tuple(
    (re.compile(pattern, re.I), instrument)
    for pattern, instrument in (
        (r"\brestructur|\bmaturity\b.*extension", FinancingInstrument.restructuring),
        (r"\bsyndicated\b", FinancingInstrument.syndicated_loan_share),
        (r"preferential buyer", FinancingInstrument.preferential_buyers_credit),
        (r"buyer[’'`]?s?[’'`]? credit", FinancingInstrument.buyers_credit),
        (r"(?:seller|supplier)[’'`]?s?[’'`]? credit", FinancingInstrument.sellers_credit),
        (r"concessional|interest-free|zero-interest", FinancingInstrument.concessional_loan),
        (r"\bgrants?\b|\bdonat|\bgift\b|\baid\b", FinancingInstrument.grant),
        (r"\bequity\b|\bstake\b|\binvests?\b", FinancingInstrument.equity),
        (r"\bloans?\b|\bcredit\b|\bdebt\b|\bfinancing\b", FinancingInstrument.loan),
    )
)


def instrument(title: str) -> FinancingInstrument:
    for pattern, kind in INSTRUMENTS:
        if pattern.search(title):
            return kind
    return FinancingInstrument.unknown


_AMOUNT = re.compile(
    r"(?:(?:US)?\$|USD|RMB|CNY|EUR|€|PKR|PHP|Rs\.?|XCD|CHF|GBP|£|BRL|LKR)\s?[\d.,]+"
    r"(?:\s?(?:million|billion|mn|bn|m))?(?:\s?(?:USD|US dollars|dollars))?"
    r"|[\d.,]+\s?(?:million|billion)\s+(?:USD|US dollars|dollars|yuan|RMB|euros?)",
    re.I,
)


def amount_wording(title: str) -> str | None:
    """The nominal amount as the title words it ("$1.292 billion", "RMB 2.1 billion")."""
    found = _AMOUNT.search(title)
    return found.group(0).strip().rstrip(".,") if found else None


# ---------------------------------------------------------------- capacity and links

_CAPACITY = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(GW|MWp|MW|kWp|kW|km|kilometers?|kilometres?)\b",
    re.I,
)
CAPACITY_UNITS = {"gw": "GW", "mwp": "MW", "mw": "MW", "kwp": "kW", "kw": "kW", "km": "km"}


def capacity(title: str) -> tuple[float, str] | None:
    """The first capacity or length the title states: "720MW" -> (720.0, "MW"),
    "357 km" -> (357.0, "km"), "1,200 MW" -> (1200.0, "MW")."""
    found = _CAPACITY.search(title)
    if not found:
        return None
    unit = found.group(2).lower()
    unit = "km" if unit.startswith("kilomet") else unit
    return float(found.group(1).replace(",", "")), CAPACITY_UNITS[unit]


_LINK_CLAUSE = re.compile(r"\((?=[^()]*(?:link|inked))[^()]*\)?", re.I)


def linked_ids(title: str) -> set[int]:
    """AidData ids the title says the record is linked to ("Linked to Project ID#1, #2")."""
    ids: set[int] = set()
    for clause in _LINK_CLAUSE.findall(title):
        ids |= {int(n) for n in re.findall(r"(?<![\d.])(\d{2,6})(?![\d.]|\s?(?:MW|km))", clause)}
    return ids


def project_name(title: str) -> str:
    """A project name from a title: what the money is "for", without links and tags."""
    text = _LINK_CLAUSE.sub("", _TAGS.sub("", title))
    text = re.sub(r"\((?:CPEC|IPP|BRI)[^)]*\)", "", text)
    after = re.search(r"\b(?:for|to finance|to fund|towards|under)\s+(?:the\s+)?(.+)$", text, re.I)
    after = after or re.search(r"\bto\s+(?:the\s+)?([A-Z].+)$", text)
    name = after.group(1) if after else text
    name = re.sub(r"\s+", " ", name).strip(" .,;–-")
    # A leading capacity ("720MW Karot ...") is kept as the project's capacity, not its name.
    name = _CAPACITY_PREFIX.sub("", name) or name
    return name[:1].upper() + name[1:] if name else title.strip()


_CAPACITY_PREFIX = re.compile(
    r"^(?:the\s+)?(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?:GW|MWp|MW|kWp|kW|km)\s+", re.I
)


# ---------------------------------------------------------------- classification

# Records that do not finance a piece of green infrastructure. Checked before technology; the
# reason is shown in the import report's "not a project" list.
NOT_A_PROJECT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, re.I))
    for reason, pattern in (
        ("training or education", r"\btrain(?:s|ed|ing)\b(?! (?:station|line|sets?)\b)|"
         r"\bcourses?\b|\bseminars?\b|\bworkshops?\b|\bscholarships?\b|\bstudents?\b|"
         r"\bvocational\b|\bcollege\b"),
        ("study, not construction", r"technical assistance|consultancy|feasibility|"
         r"\bstud(?:y|ies)\b|"
         r"\bsurvey\b|\bexperts?\b|\bplanning\b|\bmaster ?plan\b|\bdesign\b(?! and build)"),
        ("street or household lighting", r"street ?-?lights?|street ?-?lamps?|"
         r"\blamps?\b|\blanterns?\b|\blights?\b(?!\s+rail)|solar lighting"),
        ("manufacturing plant or factory", r"\bfactory\b|\bmanufactur|\bassembly plant\b|"
         r"\bmodule plant\b"),
        ("equipment donation or small home systems", r"\bdonates? [\d,]+ solar|"
         r"solar (?:energy |home )systems\b|school uniforms"),
        ("laboratory or research centre", r"\blaborator|\bresearch cent|\bdemonstration cent"),
    )
)  # fmt: skip


def not_a_project(title: str) -> str | None:
    """Why a record is not a project, or None when it is one."""
    for reason, pattern in NOT_A_PROJECT:
        if pattern.search(title):
            return reason
    return None


# Technology keywords, first match wins: specific before general (a "solar thermal" plant is
# not PV; a "metro" is urban rail before it is a railway; a dam's transmission line is grid).
TECHNOLOGIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (technology, re.compile(pattern, re.I))
    for technology, pattern in (
        ("grid-storage", r"\btransmission\b|\bsubstation|\bpower lines?\b|\bbattery storage\b"),
        ("solar-thermal", r"solar thermal|concentrated solar|\bCSP\b|solar water heat"),
        ("waste-to-energy", r"waste[- ]to[- ]energy|\bbiogas\b|landfill gas|incinerat"),
        ("electric-buses", r"electric bus|e-bus|\bBRT\b|bus rapid transit"),
        ("high-speed-rail", r"high[- ]speed"),
        ("urban-rail", r"\bmetro\b|\bsubway\b|light rail|\bLRT\b|\bMRT\b|\btram(?:way)?s?\b|"
         r"\bmonorail\b|urban rail|commuter rail|\bsuburban\b|skytrain"),
        ("rail-freight-passenger", r"\brail(?:way|road|car|port)?s?\b|northrail|"
         r"\blocomotives?\b|rolling stock|\bwagons?\b"),
        ("wind", r"\bwind\b"),
        ("solar-pv", r"\bsolar\b|photovoltaic|\bPV\b"),
        ("hydro", r"hydro|\bdams?\b|\bHPP\b"),
    )
)  # fmt: skip
# Renewable energy the rule selected but our taxonomy has no technology for: reported.
OUTSIDE_TAXONOMY = re.compile(r"geothermal|biomass|bagasse|renewable|clean energy", re.I)


def technology(title: str) -> str | None:
    """Our technology slug for a record's title, or None when no keyword names one."""
    text = project_name(title) + " " + title
    for slug, pattern in TECHNOLOGIES:
        if pattern.search(text):
            return slug
    return None


# ---------------------------------------------------------------- status and location

STATUS = {
    "Completion": ProjectStatus.operational,
    "Implementation": ProjectStatus.under_construction,
    "Pipeline: Commitment": ProjectStatus.planned,
}
_MAP_VIEW = re.compile(r"#map=\d+/(-?\d+(?:\.\d+)?)/(-?\d+(?:\.\d+)?)")


def osm_links(cell: str) -> list[str]:
    """The OpenStreetMap links of a record (a cell may hold several, comma-separated)."""
    return [link for link in re.findall(r"https?://[^\s,]+", cell or "") if "openstreetmap" in link]


def osm_ids(cell: str) -> list[str]:
    """OSM element ids ("way/446396002") named by a record's links."""
    return [
        m.group(1) for m in re.finditer(r"openstreetmap\.org/((?:node|way|relation)/\d+)", cell)
    ]


def map_point(cell: str) -> tuple[float, float] | None:
    """The centre of the first map view in the links ("#map=19/18.669/32.053"), if any.

    It is where AidData's coder pointed the map, not a surveyed site: stored as approximate."""
    found = _MAP_VIEW.search(unquote(cell or ""))
    if not found:
        return None
    latitude, longitude = float(found.group(1)), float(found.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def location_precision(point: tuple[float, float] | None) -> LocationPrecision | None:
    # AidData gives links, not surveyed coordinates: a map view is never "exact".
    return LocationPrecision.approximate if point else None
