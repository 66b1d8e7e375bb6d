"""Realistic social-connect profiles for the connect benchmark, drawn from fixed lists.

Pure data and a seeded generator (no I/O): who works where, went to which school, lives in
which kelurahan, belongs to which community. Names come in the spellings members really
type, so the matcher has work to do: ``PT Telkom Indonesia (Persero) Tbk`` / ``Telkom``,
``SMA Negeri 3 Bandung`` / ``SMAN 3 Bandung`` / ``SMA N 3 Bandung``, ``Kel. Dago`` /
``Dago``, plus near misses that must not match (``Telkomsel``, ``SMP Negeri 3 Bandung``).
Communities avoid religion, ethnicity and politics, as the bot refuses them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from backend.domain.connect_names import EntryKind, PlaceLevel

# Employers: each inner tuple is one employer in the spellings members use.
EMPLOYERS: tuple[tuple[str, ...], ...] = (
    ("PT Telkom Indonesia", "Telkom", "PT Telkom Indonesia (Persero) Tbk", "Telkom Indonesia"),
    ("Telkomsel", "PT Telekomunikasi Selular"),
    ("PT Bank Rakyat Indonesia (Persero) Tbk", "Bank Rakyat Indonesia", "BRI"),
    ("PT Bank Mandiri (Persero) Tbk", "Bank Mandiri", "Mandiri"),
    ("PT Bank Central Asia Tbk", "Bank Central Asia", "BCA"),
    ("PT Pertamina (Persero)", "Pertamina"),
    ("PT PLN (Persero)", "PLN"),
    ("PT Astra International Tbk", "Astra International", "Astra"),
    ("PT Indofood Sukses Makmur Tbk", "Indofood Sukses Makmur", "Indofood"),
    ("PT Unilever Indonesia Tbk", "Unilever Indonesia", "Unilever"),
    ("PT Gojek Indonesia", "Gojek", "GoTo Gojek Tokopedia"),
    ("PT Tokopedia", "Tokopedia"),
    ("PT Kereta Api Indonesia (Persero)", "Kereta Api Indonesia", "KAI"),
    ("PT Pos Indonesia (Persero)", "Pos Indonesia", "Kantor Pos"),
    ("PT Garuda Indonesia (Persero) Tbk", "Garuda Indonesia"),
    ("PT Semen Indonesia (Persero) Tbk", "Semen Indonesia", "Semen Gresik"),
    ("PT Gudang Garam Tbk", "Gudang Garam"),
    ("PT Sido Muncul Tbk", "Sido Muncul"),
    ("PT Sumber Alfaria Trijaya Tbk", "Alfamart"),
    ("PT Indomarco Prismatama", "Indomaret"),
    ("PT Kimia Farma Tbk", "Kimia Farma"),
    ("PT Angkasa Pura II", "Angkasa Pura 2", "Angkasa Pura II (Persero)"),
    ("RSUD Dr. Soetomo", "RSUD Dr Soetomo Surabaya"),
    ("RSUP Dr. Hasan Sadikin", "RS Hasan Sadikin Bandung"),
    ("Pemerintah Kota Bandung", "Pemkot Bandung"),
    ("Dinas Pendidikan Kota Semarang", "Disdik Kota Semarang"),
    ("Toko Bangunan Sinar Jaya",),
    ("Bengkel Motor Maju Jaya",),
    ("Konveksi Rahayu",),
    ("Katering Bu Sri",),
    ("Warung Makan Sederhana",),
    ("Percetakan Mitra Grafika",),
)

# Cities with their branch code, kecamatan and kelurahan (real ones), and schools' count.
CITIES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "Jakarta Selatan": (
        "JKT01",
        {
            "Kebayoran Baru": ("Gandaria Utara", "Kramat Pela", "Senayan", "Melawai"),
            "Tebet": ("Tebet Barat", "Manggarai", "Bukit Duri"),
            "Mampang Prapatan": ("Kuningan Barat", "Tegal Parang", "Bangka"),
            "Pasar Minggu": ("Jati Padang", "Pejaten Timur", "Ragunan"),
        },
    ),
    "Jakarta Timur": (
        "JKT02",
        {
            "Jatinegara": ("Cipinang Besar Utara", "Bali Mester", "Kampung Melayu"),
            "Duren Sawit": ("Pondok Bambu", "Klender", "Malaka Jaya"),
            "Cakung": ("Pulo Gebang", "Jatinegara Kaum"),
        },
    ),
    "Bandung": (
        "BDG01",
        {
            "Coblong": ("Dago", "Lebakgede", "Sekeloa", "Cipaganti"),
            "Cibeunying Kaler": ("Cigadung", "Sukaluyu", "Neglasari"),
            "Cibeunying Kidul": ("Sukamaju", "Padasuka", "Cicadas"),
            "Sukajadi": ("Pasteur", "Cipedes", "Sukawarna"),
            "Lengkong": ("Burangrang", "Turangga", "Malabar"),
        },
    ),
    "Semarang": (
        "SMG01",
        {
            "Semarang Tengah": ("Sekayu", "Pandansari", "Kembangsari"),
            "Tembalang": ("Tembalang", "Bulusan", "Sendangmulyo"),
            "Banyumanik": ("Srondol Wetan", "Pudakpayung"),
        },
    ),
    "Surabaya": (
        "SBY01",
        {
            "Gubeng": ("Airlangga", "Gubeng", "Mojo"),
            "Tegalsari": ("Keputran", "Dr. Soetomo", "Kedungdoro"),
            "Wonokromo": ("Darmo", "Jagir", "Ngagel"),
        },
    ),
    "Yogyakarta": (
        "YOG01",
        {
            "Gondokusuman": ("Terban", "Kotabaru", "Baciro"),
            "Mergangsan": ("Wirogunan", "Keparakan"),
        },
    ),
    "Medan": (
        "MDN01",
        {
            "Medan Baru": ("Petisah Hulu", "Darat", "Babura"),
            "Medan Petisah": ("Sei Putih Timur", "Sekip"),
        },
    ),
    "Makassar": (
        "MKS01",
        {
            "Panakkukang": ("Karampuang", "Pandang", "Masale"),
            "Rappocini": ("Gunung Sari", "Buakana"),
        },
    ),
    "Denpasar": (
        "DPS01",
        {
            "Denpasar Barat": ("Dauh Puri", "Padangsambian"),
            "Denpasar Selatan": ("Sanur", "Panjer", "Sesetan"),
        },
    ),
}
# Where borrowers live: Java's big cities weigh most, as in the cooperative's branches.
CITY_WEIGHTS: dict[str, int] = {
    "Jakarta Selatan": 18,
    "Jakarta Timur": 14,
    "Bandung": 20,
    "Semarang": 10,
    "Surabaya": 14,
    "Yogyakarta": 8,
    "Medan": 6,
    "Makassar": 5,
    "Denpasar": 5,
}
HOMETOWNS = (
    "Garut", "Tasikmalaya", "Cirebon", "Sumedang", "Solo", "Klaten", "Kudus", "Kediri",
    "Malang", "Jember", "Pekalongan", "Tegal", "Purwokerto", "Pematangsiantar", "Bukittinggi",
    "Pare-Pare", "Singaraja", "Magelang",
)  # fmt: skip
UNIVERSITIES: tuple[tuple[str, ...], ...] = (
    ("Institut Teknologi Bandung", "ITB"),
    ("Universitas Padjadjaran", "Univ. Padjadjaran", "Unpad"),
    ("Universitas Indonesia", "Univ Indonesia"),
    ("Universitas Gadjah Mada", "UGM", "Univ. Gadjah Mada"),
    ("Universitas Diponegoro", "Undip"),
    ("Universitas Airlangga", "Unair", "Univ. Airlangga"),
    ("Universitas Brawijaya", "Univ. Brawijaya"),
    ("Politeknik Negeri Bandung", "Poltek Negeri Bandung", "Polban"),
    ("Universitas Terbuka", "UT"),
    ("Universitas Hasanuddin", "Unhas"),
    ("Universitas Sumatera Utara", "USU"),
    ("Universitas Udayana", "Unud"),
)
# A school's spellings: "{level} Negeri {n} {city}" and the short forms.
SCHOOL_FORMS: dict[str, tuple[str, ...]] = {
    "SMA": ("SMA Negeri {n} {city}", "SMAN {n} {city}", "SMA N {n} {city}", "sman {n} {city}"),
    "SMP": ("SMP Negeri {n} {city}", "SMPN {n} {city}", "SMP N {n} {city}"),
    "SMK": ("SMK Negeri {n} {city}", "SMKN {n} {city}"),
}
SCHOOL_NUMBERS = 12
COMMUNITIES: tuple[tuple[str, ...], ...] = (
    ("Ikatan Alumni ITB", "IA ITB"),
    ("Ikatan Alumni Unpad", "IKA Unpad"),
    ("Asosiasi UMKM Kota Bandung", "Asosiasi UMKM Bandung"),
    ("Asosiasi UMKM Jakarta Selatan",),
    ("Paguyuban Pedagang Pasar Baru",),
    ("Klub Sepeda Bandung", "Komunitas Sepeda Bandung"),
    ("Komunitas Lari Semarang", "Semarang Runners"),
    ("Klub Bulu Tangkis Tunas Muda",),
    ("Arisan Ibu-Ibu RW 05",),
    ("Kelompok Tani Sri Rejeki",),
    ("Komunitas Fotografi Surabaya",),
    ("Karang Taruna Tunas Harapan",),
    ("Ikatan Pengusaha Muda Yogyakarta",),
)
EVENTS: tuple[str, ...] = (
    "Rapat Anggota Tahunan 2025",
    "Rapat Anggota Tahunan 2024",
    "Pelatihan Pembukuan UMKM 2025",
    "Bazar Koperasi Hari Kemerdekaan 2025",
    "Pelatihan Pemasaran Digital 2024",
)
FIRST_NAMES = (
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Joko", "Sri", "Ahmad", "Fitri", "Hendra",
    "Wati", "Yusuf", "Ratna", "Bambang", "Lestari", "Eko", "Nur", "Andi", "Indah", "Dedi",
    "Yuni", "Rudi", "Putri", "Hadi", "Ayu", "Wahyu", "Dian", "Teguh", "Maya", "Iwan",
)  # fmt: skip
LAST_NAMES = (
    "Rahayu", "Santoso", "Lestari", "Wijaya", "Susanti", "Saputra", "Hidayat", "Kurniawan",
    "Pratama", "Setiawan", "Handayani", "Nugroho", "Siregar", "Simanjuntak", "Purnomo",
    "Wulandari", "Gunawan", "Permana", "Sihombing", "Syahputra",
)  # fmt: skip
CONSENT_SHARE = 0.85
"""Share of borrowers who consented to social connect (most do: it helps them get funded)."""


@dataclass(frozen=True, slots=True)
class EntrySpec:
    """One profile entry as a member would type it."""

    kind: EntryKind
    name: str
    place_level: PlaceLevel | None = None
    area: str | None = None
    current: bool = False
    year: int | None = None
    end_year: int | None = None


@dataclass(slots=True)
class PersonSpec:
    """A generated member: name, city, and (with consent) the profile they shared."""

    index: int
    full_name: str
    city: str
    consented: bool
    entries: list[EntrySpec] = field(default_factory=list)
    contact_indexes: list[int] = field(default_factory=list)
    """Other borrowers (by index) in the phone book; plus ``outside_contacts`` others."""
    outside_contacts: int = 0


def _pick(rng: random.Random, spellings: tuple[str, ...]) -> str:
    """The first spelling most often, the variants now and then."""
    return spellings[0] if rng.random() < 0.5 else rng.choice(spellings)


def school_name(rng: random.Random, level: str, number: int, city: str) -> str:
    """A state school's name in one of the spellings members use."""
    return rng.choice(SCHOOL_FORMS[level]).format(n=number, city=city)


def _city_of_school(rng: random.Random, city: str) -> str:
    """Schools are mostly in the member's city, sometimes in a hometown-like big city."""
    short = "Jakarta" if city.startswith("Jakarta") else city
    return short if rng.random() < 0.75 else rng.choice(("Bandung", "Semarang", "Surabaya"))


def workplaces(rng: random.Random, this_year: int) -> list[EntrySpec]:
    """One to three employers: one current, the rest past."""
    chosen = rng.sample(EMPLOYERS, rng.choice((1, 1, 2, 2, 3)))
    entries = []
    for position, spellings in enumerate(chosen):
        start = this_year - rng.randint(1, 20)
        current = position == 0
        end = None if current else min(this_year, start + rng.randint(1, 5))
        entries.append(
            EntrySpec(
                EntryKind.WORKPLACE,
                _pick(rng, spellings),
                current=current,
                year=start,
                end_year=end,
            )
        )
    return entries


def schools(rng: random.Random, city: str, this_year: int) -> list[EntrySpec]:
    """A secondary school, sometimes a junior high and a university."""
    graduated = this_year - rng.randint(3, 30)
    entries = [
        EntrySpec(
            EntryKind.SCHOOL,
            school_name(
                rng,
                rng.choice(("SMA", "SMA", "SMK")),
                rng.randint(1, SCHOOL_NUMBERS),
                _city_of_school(rng, city),
            ),
            year=graduated,
        )
    ]
    if rng.random() < 0.3:
        number = rng.randint(1, SCHOOL_NUMBERS)
        name = school_name(rng, "SMP", number, _city_of_school(rng, city))
        entries.append(EntrySpec(EntryKind.SCHOOL, name, year=graduated - 3))
    if rng.random() < 0.35:
        name = _pick(rng, rng.choice(UNIVERSITIES))
        entries.append(EntrySpec(EntryKind.SCHOOL, name, year=min(this_year, graduated + 4)))
    return entries


def places(rng: random.Random, city: str) -> list[EntrySpec]:
    """Kelurahan and kecamatan (with their city), the city, and often a hometown."""
    districts = CITIES[city][1]
    kecamatan = rng.choice(sorted(districts))
    kelurahan = rng.choice(districts[kecamatan])
    entries = [
        EntrySpec(
            EntryKind.PLACE,
            rng.choice((kelurahan, f"Kel. {kelurahan}", f"Kelurahan {kelurahan}")),
            place_level=PlaceLevel.KELURAHAN,
            area=city,
        ),
        EntrySpec(
            EntryKind.PLACE,
            rng.choice((kecamatan, f"Kec. {kecamatan}")),
            place_level=PlaceLevel.KECAMATAN,
            area=city,
        ),
        EntrySpec(EntryKind.PLACE, rng.choice((city, f"Kota {city}")), place_level=PlaceLevel.CITY),
    ]
    if rng.random() < 0.6:
        entries.append(
            EntrySpec(EntryKind.PLACE, rng.choice(HOMETOWNS), place_level=PlaceLevel.HOMETOWN)
        )
    return entries


def communities(rng: random.Random) -> list[EntrySpec]:
    """Zero to two communities and, for some, a cooperative event attended."""
    chosen = rng.sample(COMMUNITIES, rng.choice((0, 0, 1, 1, 2)))
    entries = [EntrySpec(EntryKind.COMMUNITY, _pick(rng, spellings)) for spellings in chosen]
    if rng.random() < 0.25:
        entries.append(EntrySpec(EntryKind.EVENT, rng.choice(EVENTS)))
    return entries


def generate_people(count: int, *, seed: int, this_year: int) -> list[PersonSpec]:
    """``count`` borrowers with realistic profiles; the same seed gives the same people."""
    rng = random.Random(seed)
    cities = list(CITY_WEIGHTS)
    weights = [CITY_WEIGHTS[c] for c in cities]
    people: list[PersonSpec] = []
    for index in range(count):
        city = rng.choices(cities, weights)[0]
        person = PersonSpec(
            index=index,
            full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            city=city,
            consented=rng.random() < CONSENT_SHARE,
        )
        if person.consented:
            person.entries = [
                *workplaces(rng, this_year),
                *schools(rng, city, this_year),
                *places(rng, city),
                *communities(rng),
            ]
            person.outside_contacts = rng.randint(0, 25)
        people.append(person)
    _link_contacts(rng, people)
    return people


def _link_contacts(rng: random.Random, people: list[PersonSpec]) -> None:
    """Consenting borrowers know a few others of their city (phone-book contacts)."""
    by_city: dict[str, list[int]] = {}
    for person in people:
        by_city.setdefault(person.city, []).append(person.index)
    for person in people:
        if not person.consented:
            continue
        neighbours = [
            i
            for i in rng.sample(by_city[person.city], min(8, len(by_city[person.city])))
            if i != person.index
        ]
        person.contact_indexes = neighbours[: rng.randint(0, 5)]


FINANCIER_CITY = "Bandung"
FINANCIER_NAME = "Rahmat Hidayat"


def financier_entries(this_year: int) -> list[EntrySpec]:
    """A typical financier: a Telkom engineer from Bandung, SMAN 3 and ITB alumnus."""
    return [
        EntrySpec(EntryKind.WORKPLACE, "PT Telkom Indonesia", current=True, year=this_year - 9),
        EntrySpec(EntryKind.WORKPLACE, "Bank Mandiri", year=this_year - 14, end_year=this_year - 9),
        EntrySpec(EntryKind.SCHOOL, "SMA Negeri 3 Bandung", year=this_year - 20),
        EntrySpec(EntryKind.SCHOOL, "Institut Teknologi Bandung", year=this_year - 16),
        EntrySpec(EntryKind.PLACE, "Dago", place_level=PlaceLevel.KELURAHAN, area="Bandung"),
        EntrySpec(EntryKind.PLACE, "Coblong", place_level=PlaceLevel.KECAMATAN, area="Bandung"),
        EntrySpec(EntryKind.PLACE, "Kota Bandung", place_level=PlaceLevel.CITY),
        EntrySpec(EntryKind.PLACE, "Garut", place_level=PlaceLevel.HOMETOWN),
        EntrySpec(EntryKind.COMMUNITY, "Ikatan Alumni ITB"),
        EntrySpec(EntryKind.COMMUNITY, "Klub Sepeda Bandung"),
        EntrySpec(EntryKind.EVENT, "Rapat Anggota Tahunan 2025"),
    ]
