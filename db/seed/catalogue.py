"""The demo hospital's fixed reference data: departments, wards and rooms, the formulary, the lab catalogue,
insurers and suppliers. Plain data, no randomness: `db.seed.hospital` turns it into rows.

Drug classes are the strings a DRUG_CLASS allergy is matched against (`patient_allergies.allergen` equals
`medicines.drug_class`); a DRUG allergy names a `generic_name`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.ipd import RoomType

# ---------------------------------------------------------------- departments, wards, rooms


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str
    name: str


DEPARTMENTS = (
    DepartmentSpec("GMED", "General Medicine"),
    DepartmentSpec("GSUR", "General Surgery"),
    DepartmentSpec("ORTH", "Orthopaedics"),
    DepartmentSpec("PAED", "Paediatrics"),
    DepartmentSpec("OBGY", "Obstetrics & Gynaecology"),
    DepartmentSpec("CARD", "Cardiology"),
    # Diagnostic, no OPD queue or ward of its own: the radiologists' department.
    DepartmentSpec("RADI", "Radiology"),
)


@dataclass(frozen=True, slots=True)
class RoomBlock:
    """`rooms` rooms of one type, each with `beds_per_room` beds."""

    room_type: RoomType
    rooms: int
    beds_per_room: int


@dataclass(frozen=True, slots=True)
class WardSpec:
    code: str
    name: str
    department: str
    floor: int
    # Room numbers: the floor's hundreds (101, 102, ...) unless a prefix is given (ICU-1, HDU-1).
    blocks: tuple[RoomBlock, ...]
    # Departments whose doctors admit patients to this ward.
    admitting_departments: tuple[str, ...]
    # Beds that are not occupied and not available, besides the occupied ones.
    special_states: tuple[str, ...]


WARDS = (
    WardSpec(
        "GMW", "General Medicine Ward", "GMED", 1,
        (RoomBlock(RoomType.GENERAL, 6, 6), RoomBlock(RoomType.SEMI_PRIVATE, 4, 2)),
        ("GMED",), ("CLEANING", "CLEANING", "MAINTENANCE", "RESERVED"),
    ),
    WardSpec(
        "SGW", "Surgical & Orthopaedic Ward", "GSUR", 2,
        (RoomBlock(RoomType.GENERAL, 4, 6), RoomBlock(RoomType.SEMI_PRIVATE, 4, 2), RoomBlock(RoomType.PRIVATE, 4, 1)),
        ("GSUR", "ORTH"), ("CLEANING", "MAINTENANCE", "RESERVED"),
    ),
    WardSpec(
        "MCW", "Maternity & Paediatric Ward", "OBGY", 3,
        (RoomBlock(RoomType.GENERAL, 2, 6), RoomBlock(RoomType.SEMI_PRIVATE, 2, 2), RoomBlock(RoomType.PRIVATE, 4, 1)),
        ("OBGY", "PAED"), ("CLEANING", "RESERVED"),
    ),
    WardSpec(
        "CCU", "Cardiac & Critical Care Unit", "CARD", 4,
        (RoomBlock(RoomType.ICU, 2, 6), RoomBlock(RoomType.HDU, 1, 8)),
        ("CARD", "GMED"), ("CLEANING", "MAINTENANCE"),
    ),
)

# Per day, in rupees: what a private mid-size hospital in Bengaluru charges for the bed alone.
ROOM_RATES: dict[RoomType, Decimal] = {
    RoomType.GENERAL: Decimal("1800.00"),
    RoomType.SEMI_PRIVATE: Decimal("3500.00"),
    RoomType.PRIVATE: Decimal("6000.00"),
    RoomType.HDU: Decimal("9000.00"),
    RoomType.ICU: Decimal("15000.00"),
}

# Share of each room type's beds that are occupied now (at least one bed of each type stays free).
OCCUPANCY: dict[RoomType, float] = {
    RoomType.GENERAL: 0.70,
    RoomType.SEMI_PRIVATE: 0.75,
    RoomType.PRIVATE: 0.75,
    RoomType.HDU: 0.75,
    RoomType.ICU: 0.67,
}

# ---------------------------------------------------------------- doctors

# (department, specialization, qualification), one line per doctor; the first of a department is its head.
DOCTOR_POSTS = (
    ("GMED", "Internal Medicine", "MBBS, MD (General Medicine)"),
    ("GMED", "Internal Medicine", "MBBS, MD (General Medicine)"),
    ("GMED", "Diabetology", "MBBS, MD (General Medicine), Fellowship in Diabetology"),
    ("GMED", "Pulmonology", "MBBS, MD (Respiratory Medicine)"),
    ("GMED", "Infectious Diseases", "MBBS, MD (General Medicine), DM (Infectious Diseases)"),
    ("GSUR", "General & Laparoscopic Surgery", "MBBS, MS (General Surgery)"),
    ("GSUR", "General Surgery", "MBBS, MS (General Surgery)"),
    ("GSUR", "Surgical Gastroenterology", "MBBS, MS (General Surgery), MCh (Surgical Gastroenterology)"),
    ("ORTH", "Joint Replacement", "MBBS, MS (Orthopaedics)"),
    ("ORTH", "Trauma & Orthopaedics", "MBBS, MS (Orthopaedics)"),
    ("ORTH", "Spine Surgery", "MBBS, DNB (Orthopaedics), Fellowship in Spine Surgery"),
    ("PAED", "Paediatrics", "MBBS, MD (Paediatrics)"),
    ("PAED", "Neonatology", "MBBS, MD (Paediatrics), DM (Neonatology)"),
    ("PAED", "Paediatrics", "MBBS, DCH, DNB (Paediatrics)"),
    ("OBGY", "Obstetrics & Gynaecology", "MBBS, MS (Obstetrics & Gynaecology)"),
    ("OBGY", "High-Risk Obstetrics", "MBBS, MD (Obstetrics & Gynaecology)"),
    ("OBGY", "Gynaecological Endoscopy", "MBBS, DGO, DNB (Obstetrics & Gynaecology)"),
    ("CARD", "Interventional Cardiology", "MBBS, MD (General Medicine), DM (Cardiology)"),
    ("CARD", "Cardiology", "MBBS, MD (General Medicine), DM (Cardiology)"),
    ("CARD", "Cardiology", "MBBS, DNB (General Medicine), DNB (Cardiology)"),
)

RADIOLOGIST_POSTS = (
    ("RADI", "Radiodiagnosis", "MBBS, MD (Radiodiagnosis)"),
    ("RADI", "Interventional Radiology", "MBBS, DMRD, DNB (Radiodiagnosis)"),
)

# (council, prefix of its registration numbers, weight): most doctors registered in Karnataka.
MEDICAL_COUNCILS = (
    ("Karnataka Medical Council", "KMC", 10),
    ("Tamil Nadu Medical Council", "TNMC", 2),
    ("Maharashtra Medical Council", "MMC", 2),
    ("Travancore-Cochin Medical Council", "TCMC", 2),
    ("Telangana State Medical Council", "TSMC", 1),
    ("Andhra Pradesh Medical Council", "APMC", 1),
    ("Delhi Medical Council", "DMC", 1),
    ("West Bengal Medical Council", "WBMC", 1),
    ("National Medical Commission", "NMC", 1),
)

# ---------------------------------------------------------------- insurers and suppliers


@dataclass(frozen=True, slots=True)
class InsurerSpec:
    code: str
    name: str
    contact_person: str
    phone: str
    email: str


# The three insurers of the spec's integration list ("Insurance APIs (HDFC, Axa, ICICI)").
# No api_endpoint: none is connected in the demo.
INSURERS = (
    InsurerSpec("HDFC", "HDFC ERGO General Insurance", "Vikram Nair", "+912262346234",
                "cashless@hdfc-ergo.demo.local"),
    InsurerSpec("AXA", "Bharti AXA General Insurance", "Shalini Dsouza", "+918049116600",
                "claims@bharti-axa.demo.local"),
    InsurerSpec("ICICI", "ICICI Lombard General Insurance", "Anand Iyer", "+912261961100",
                "ihealthcare@icici-lombard.demo.local"),
)


@dataclass(frozen=True, slots=True)
class SupplierSpec:
    key: str
    name: str
    contact_person: str
    phone: str
    email: str
    state_code: str
    pan: str
    address: str


SUPPLIERS = (
    SupplierSpec("nandi", "Nandi Pharma Distributors", "Ramesh Hegde", "+918022254410", "orders@nandipharma.demo.local",
                 "29", "AAFCN4821K", "14, 2nd Main, Chamrajpet, Bengaluru, Karnataka 560018"),
    SupplierSpec("cauvery", "Cauvery Surgicals & Pharma", "Lokesh Gowda", "+918026701133",
                 "sales@cauverysurgicals.demo.local", "29", "AAGCC7310M",
                 "88, Industrial Suburb, Yeshwanthpur, Bengaluru, Karnataka 560022"),
    SupplierSpec("deccan", "Deccan Healthcare Supplies", "Syed Rafiq", "+914027844520",
                 "supply@deccanhealth.demo.local", "36", "AAJFD2954P",
                 "5-9-22, Abids Road, Hyderabad, Telangana 500001"),
    SupplierSpec("malabar", "Malabar Drug House", "Joseph Kurian", "+914842369012", "orders@malabardrug.demo.local",
                 "32", "AALFM6637Q", "XL/2231, Broadway, Ernakulam, Kochi, Kerala 682031"),
)

_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """A GSTIN with a valid check character: state code, PAN, entity number, 'Z', checksum (mod 36)."""
    body = f"{state_code}{pan}{entity}Z"
    total = 0
    for position, char in enumerate(body):
        product = _GSTIN_CHARS.index(char) * (2 if position % 2 else 1)
        total += product // 36 + product % 36
    return body + _GSTIN_CHARS[(36 - total % 36) % 36]


# ---------------------------------------------------------------- the formulary


@dataclass(frozen=True, slots=True)
class MedicineSpec:
    code: str
    name: str  # the brand, as the pharmacy shelves it
    generic_name: str
    form: str
    strength: str
    category: str
    drug_class: str
    mrp: Decimal  # selling price per unit (tablet, vial, bottle...)


def _m(code: str, name: str, generic: str, form: str, strength: str, category: str, drug_class: str,
       mrp: str) -> MedicineSpec:
    return MedicineSpec(code, name, generic, form, strength, category, drug_class, Decimal(mrp))


FORMULARY = (
    # Analgesics and antipyretics
    _m("PCM650", "Dolo 650", "Paracetamol", "Tablet", "650 mg", "Analgesic / Antipyretic", "Anilides", "2.00"),
    _m("PCMSYR", "Calpol Syrup", "Paracetamol", "Syrup", "120 mg/5 ml, 60 ml", "Analgesic / Antipyretic", "Anilides",
       "38.00"),
    _m("PCMINF", "Paracetamol IV (Febrinil)", "Paracetamol", "Infusion", "1 g/100 ml", "Analgesic / Antipyretic",
       "Anilides", "180.00"),
    _m("IBU400", "Brufen 400", "Ibuprofen", "Tablet", "400 mg", "Analgesic", "NSAIDs", "1.60"),
    _m("DCL50", "Voveran 50", "Diclofenac", "Tablet", "50 mg", "Analgesic", "NSAIDs", "3.10"),
    _m("DCLINJ", "Voveran AQ Injection", "Diclofenac", "Injection", "75 mg/1 ml", "Analgesic", "NSAIDs", "28.00"),
    _m("ASP75", "Ecosprin 75", "Aspirin", "Tablet", "75 mg", "Antiplatelet", "NSAIDs", "0.50"),
    _m("TRM50", "Tramazac 50", "Tramadol", "Capsule", "50 mg", "Analgesic", "Opioids", "6.50"),
    _m("MOR10", "Morphine Sulphate Injection", "Morphine", "Injection", "10 mg/1 ml", "Analgesic", "Opioids", "22.00"),
    # Antibiotics
    _m("AMX500", "Mox 500", "Amoxicillin", "Capsule", "500 mg", "Antibiotic", "Penicillins", "6.90"),
    _m("AMC625", "Augmentin 625 Duo", "Amoxicillin + Clavulanic acid", "Tablet", "500 mg + 125 mg", "Antibiotic",
       "Penicillins", "22.40"),
    _m("AMCIV", "Augmentin 1.2 g Injection", "Amoxicillin + Clavulanic acid", "Injection", "1 g + 200 mg",
       "Antibiotic", "Penicillins", "165.00"),
    _m("PTZ45", "Pipzo 4.5 g Injection", "Piperacillin + Tazobactam", "Injection", "4 g + 0.5 g", "Antibiotic",
       "Penicillins", "420.00"),
    _m("CTX1G", "Monocef 1 g Injection", "Ceftriaxone", "Injection", "1 g", "Antibiotic", "Cephalosporins", "62.00"),
    _m("CFX200", "Zifi 200", "Cefixime", "Tablet", "200 mg", "Antibiotic", "Cephalosporins", "10.80"),
    _m("AZI500", "Azithral 500", "Azithromycin", "Tablet", "500 mg", "Antibiotic", "Macrolides", "23.50"),
    _m("CIP500", "Ciplox 500", "Ciprofloxacin", "Tablet", "500 mg", "Antibiotic", "Fluoroquinolones", "4.80"),
    _m("LEV500", "Levoflox 500", "Levofloxacin", "Tablet", "500 mg", "Antibiotic", "Fluoroquinolones", "9.60"),
    _m("SMX960", "Septran DS", "Sulfamethoxazole + Trimethoprim", "Tablet", "800 mg + 160 mg", "Antibiotic",
       "Sulfonamides", "3.20"),
    _m("MTZ400", "Metrogyl 400", "Metronidazole", "Tablet", "400 mg", "Antibiotic", "Nitroimidazoles", "1.90"),
    _m("MTZIV", "Metrogyl IV", "Metronidazole", "Infusion", "500 mg/100 ml", "Antibiotic", "Nitroimidazoles", "28.00"),
    _m("MER1G", "Meronem 1 g Injection", "Meropenem", "Injection", "1 g", "Antibiotic", "Carbapenems", "1450.00"),
    # Anti-infectives, other
    _m("FLU150", "Forcan 150", "Fluconazole", "Tablet", "150 mg", "Antifungal", "Azole antifungals", "22.00"),
    _m("ALB400", "Zentel", "Albendazole", "Tablet", "400 mg", "Anthelmintic", "Benzimidazoles", "14.00"),
    _m("ARS60", "Falcigo 60 mg Injection", "Artesunate", "Injection", "60 mg", "Antimalarial", "Artemisinins",
       "145.00"),
    # Gastrointestinal
    _m("PAN40", "Pan 40", "Pantoprazole", "Tablet", "40 mg", "Gastrointestinal", "Proton pump inhibitors", "9.90"),
    _m("PANIV", "Pan IV 40 mg Injection", "Pantoprazole", "Injection", "40 mg", "Gastrointestinal",
       "Proton pump inhibitors", "52.00"),
    _m("OMZ20", "Omez 20", "Omeprazole", "Capsule", "20 mg", "Gastrointestinal", "Proton pump inhibitors", "5.80"),
    _m("OND4", "Emeset 4", "Ondansetron", "Tablet", "4 mg", "Antiemetic", "5-HT3 antagonists", "5.60"),
    _m("ONDINJ", "Emeset Injection", "Ondansetron", "Injection", "2 mg/ml, 2 ml", "Antiemetic", "5-HT3 antagonists",
       "14.00"),
    _m("ORS", "Electral", "Oral rehydration salts (WHO)", "Sachet", "21.8 g", "Electrolyte", "Oral rehydration salts",
       "22.00"),
    # Diabetes and endocrine
    _m("MET500", "Glycomet 500", "Metformin", "Tablet", "500 mg", "Antidiabetic", "Biguanides", "1.80"),
    _m("GLM1", "Amaryl 1", "Glimepiride", "Tablet", "1 mg", "Antidiabetic", "Sulfonylureas", "11.60"),
    _m("INSREG", "Human Actrapid", "Insulin (regular, human)", "Injection", "100 IU/ml, 10 ml vial", "Antidiabetic",
       "Insulins", "165.00"),
    _m("INSGLA", "Lantus", "Insulin glargine", "Injection", "100 IU/ml, 3 ml cartridge", "Antidiabetic", "Insulins",
       "690.00"),
    _m("LTX50", "Thyronorm 50", "Levothyroxine", "Tablet", "50 mcg", "Thyroid", "Thyroid hormones", "1.70"),
    # Cardiovascular
    _m("AML5", "Amlong 5", "Amlodipine", "Tablet", "5 mg", "Antihypertensive", "Calcium channel blockers", "3.40"),
    _m("TEL40", "Telma 40", "Telmisartan", "Tablet", "40 mg", "Antihypertensive", "Angiotensin receptor blockers",
       "8.90"),
    _m("ENA5", "Envas 5", "Enalapril", "Tablet", "5 mg", "Antihypertensive", "ACE inhibitors", "2.60"),
    _m("MTP50", "Metolar XR 50", "Metoprolol succinate", "Tablet", "50 mg", "Antihypertensive", "Beta blockers",
       "9.20"),
    _m("FUR40", "Lasix 40", "Furosemide", "Tablet", "40 mg", "Diuretic", "Loop diuretics", "1.10"),
    _m("FURINJ", "Lasix Injection", "Furosemide", "Injection", "10 mg/ml, 2 ml", "Diuretic", "Loop diuretics", "9.50"),
    _m("SPI25", "Aldactone 25", "Spironolactone", "Tablet", "25 mg", "Diuretic", "Potassium-sparing diuretics",
       "3.30"),
    _m("ATV10", "Atorva 10", "Atorvastatin", "Tablet", "10 mg", "Lipid-lowering", "Statins", "7.20"),
    _m("RSV10", "Rosuvas 10", "Rosuvastatin", "Tablet", "10 mg", "Lipid-lowering", "Statins", "17.50"),
    _m("CLP75", "Clopilet 75", "Clopidogrel", "Tablet", "75 mg", "Antiplatelet", "P2Y12 inhibitors", "6.80"),
    _m("ENX40", "Clexane 40 mg", "Enoxaparin", "Injection", "40 mg/0.4 ml prefilled syringe", "Anticoagulant",
       "Low molecular weight heparins", "395.00"),
    _m("WAR5", "Warf 5", "Warfarin", "Tablet", "5 mg", "Anticoagulant", "Vitamin K antagonists", "3.60"),
    # Respiratory and allergy
    _m("SAL100", "Asthalin Inhaler", "Salbutamol", "Inhaler", "100 mcg/dose, 200 doses", "Bronchodilator",
       "Beta-2 agonists", "145.00"),
    _m("BUDRSP", "Budecort Respules", "Budesonide", "Respule", "0.5 mg/2 ml", "Bronchodilator",
       "Inhaled corticosteroids", "26.00"),
    _m("MON10", "Montair 10", "Montelukast", "Tablet", "10 mg", "Anti-asthmatic", "Leukotriene antagonists", "15.80"),
    _m("CTZ10", "Cetzine 10", "Cetirizine", "Tablet", "10 mg", "Antihistamine", "Antihistamines", "1.90"),
    _m("PRD10", "Wysolone 10", "Prednisolone", "Tablet", "10 mg", "Corticosteroid", "Corticosteroids", "1.10"),
    _m("DEXINJ", "Dexona Injection", "Dexamethasone", "Injection", "4 mg/ml, 2 ml", "Corticosteroid",
       "Corticosteroids", "11.00"),
    # Neurology
    _m("LEV500T", "Levipil 500", "Levetiracetam", "Tablet", "500 mg", "Anticonvulsant", "Pyrrolidines", "13.60"),
    # Obstetrics
    _m("OXY5", "Pitocin Injection", "Oxytocin", "Injection", "5 IU/ml", "Obstetric", "Oxytocics", "22.00"),
    _m("FOL5", "Folvite 5", "Folic acid", "Tablet", "5 mg", "Supplement", "Vitamins", "1.20"),
    # Supplements
    _m("CAD500", "Shelcal 500", "Calcium carbonate + Vitamin D3", "Tablet", "500 mg + 250 IU", "Supplement",
       "Calcium supplements", "7.40"),
    _m("FEFA", "Orofer XT", "Ferrous ascorbate + Folic acid", "Tablet", "100 mg + 1.5 mg", "Supplement",
       "Iron supplements", "16.50"),
    # Fluids, electrolytes, emergency
    _m("NS500", "Normal Saline 0.9% (500 ml)", "Sodium chloride 0.9%", "Infusion", "500 ml", "IV fluid",
       "Crystalloids", "32.00"),
    _m("RL500", "Ringer Lactate (500 ml)", "Compound sodium lactate", "Infusion", "500 ml", "IV fluid", "Crystalloids",
       "36.00"),
    _m("KCL15", "Potassium Chloride 15% Injection", "Potassium chloride", "Injection", "150 mg/ml, 10 ml",
       "Electrolyte", "Electrolytes", "14.00"),
    _m("ADR1", "Adrenaline Injection", "Adrenaline (epinephrine)", "Injection", "1 mg/ml", "Emergency",
       "Sympathomimetics", "12.00"),
    _m("IOHX", "Omnipaque 350", "Iohexol", "Injection", "350 mg I/ml, 50 ml", "Contrast medium",
       "Iodinated contrast media", "1350.00"),
)

# ---------------------------------------------------------------- the laboratory


@dataclass(frozen=True, slots=True)
class AnalyteSpec:
    code: str
    name: str
    unit: str | None
    ref_low: str | None = None
    ref_high: str | None = None
    critical_low: str | None = None
    critical_high: str | None = None
    sex: str | None = None
    # An age band in completed years (both ends inclusive); None for no limit.
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True, slots=True)
class LabTestSpec:
    code: str
    name: str
    category: str
    section: str
    sample_type: str
    turnaround_minutes: int
    price: Decimal
    analytes: tuple[AnalyteSpec, ...]

    @property
    def is_panel(self) -> bool:
        return len({a.code for a in self.analytes}) > 1


def _a(code: str, name: str, unit: str | None, low: str | None = None, high: str | None = None,
       crit_low: str | None = None, crit_high: str | None = None, sex: str | None = None,
       ages: tuple[int, int] | None = None) -> AnalyteSpec:
    return AnalyteSpec(code, name, unit, low, high, crit_low, crit_high, sex,
                       ages[0] if ages else None, ages[1] if ages else None)


def _t(code: str, name: str, category: str, section: str, sample: str, tat: int, price: str,
       *analytes: AnalyteSpec) -> LabTestSpec:
    return LabTestSpec(code, name, category, section, sample, tat, Decimal(price), analytes)


_SODIUM = _a("NA", "Sodium", "mmol/L", "135", "145", "120", "160")
_POTASSIUM = _a("K", "Potassium", "mmol/L", "3.5", "5.1", "2.5", "6.5")
_CHLORIDE = _a("CL", "Chloride", "mmol/L", "98", "107")
_GLUCOSE_CRITICAL = ("40", "450")

# Adult reference intervals as Indian hospital laboratories commonly report them; critical limits where a
# laboratory telephones the ward (the usual call-back list: K+, Na+, glucose, Hb, platelets, WBC, INR, calcium,
# troponin). A null sex means the range applies to everyone. Children get their own age bands where their
# ranges differ most (Hb, WBC, creatinine, alkaline phosphatase): a band is more specific than the adult row,
# so it wins for a child of that age (domain.lab_results.choose_range), and the adult rows apply from 13.
LAB_CATALOGUE = (
    _t("CBC", "Complete Blood Count", "Haematology", "Haematology", "EDTA whole blood", 120, "350.00",
       _a("HB", "Haemoglobin", "g/dL", "13.0", "17.0", "7.0", "20.0", sex="MALE"),
       _a("HB", "Haemoglobin", "g/dL", "12.0", "15.0", "7.0", "20.0", sex="FEMALE"),
       _a("HB", "Haemoglobin", "g/dL", "9.5", "14.0", "7.0", "20.0", ages=(0, 0)),
       _a("HB", "Haemoglobin", "g/dL", "11.0", "14.0", "7.0", "20.0", ages=(1, 5)),
       _a("HB", "Haemoglobin", "g/dL", "11.5", "15.5", "7.0", "20.0", ages=(6, 12)),
       _a("HCT", "Haematocrit (PCV)", "%", "40", "50", "20", "60", sex="MALE"),
       _a("HCT", "Haematocrit (PCV)", "%", "36", "46", "20", "60", sex="FEMALE"),
       _a("RBC", "RBC count", "10^6/µL", "4.5", "5.5", sex="MALE"),
       _a("RBC", "RBC count", "10^6/µL", "3.8", "4.8", sex="FEMALE"),
       _a("MCV", "MCV", "fL", "83", "101"),
       _a("MCH", "MCH", "pg", "27", "32"),
       _a("MCHC", "MCHC", "g/dL", "31.5", "34.5"),
       _a("RDW", "RDW-CV", "%", "11.6", "14.0"),
       _a("WBC", "Total leucocyte count", "10^3/µL", "4.0", "10.0", "2.0", "30.0"),
       _a("WBC", "Total leucocyte count", "10^3/µL", "6.0", "17.5", "2.0", "30.0", ages=(0, 0)),
       _a("WBC", "Total leucocyte count", "10^3/µL", "5.5", "15.5", "2.0", "30.0", ages=(1, 5)),
       _a("WBC", "Total leucocyte count", "10^3/µL", "4.5", "13.5", "2.0", "30.0", ages=(6, 12)),
       _a("NEUT", "Neutrophils", "%", "40", "80"),
       _a("LYMPH", "Lymphocytes", "%", "20", "40"),
       _a("MONO", "Monocytes", "%", "2", "10"),
       _a("EOS", "Eosinophils", "%", "1", "6"),
       _a("BASO", "Basophils", "%", "0", "2"),
       # The absolute neutrophil count: below 0.5 is the neutropenia laboratories telephone.
       _a("ANC", "Absolute neutrophil count", "10^3/µL", "2.0", "7.0", "0.5", None),
       _a("PLT", "Platelet count", "10^3/µL", "150", "410", "20", "1000"),
       _a("MPV", "Mean platelet volume", "fL", "7.5", "11.5")),
    _t("ESR", "Erythrocyte Sedimentation Rate", "Haematology", "Haematology", "EDTA whole blood", 90, "120.00",
       _a("ESR", "ESR (Westergren)", "mm/hr", "0", "15", sex="MALE"),
       _a("ESR", "ESR (Westergren)", "mm/hr", "0", "20", sex="FEMALE")),
    _t("COAG", "Prothrombin Time with INR", "Haematology", "Coagulation", "Citrated plasma", 120, "400.00",
       _a("PT", "Prothrombin time", "s", "11.0", "13.5"),
       _a("INR", "INR", None, "0.8", "1.2", None, "5.0")),
    _t("RFT", "Renal Function Test", "Biochemistry", "Clinical Chemistry", "Serum", 180, "650.00",
       _a("UREA", "Blood urea", "mg/dL", "17", "43"),
       _a("CREAT", "Creatinine", "mg/dL", "0.7", "1.3", sex="MALE"),
       _a("CREAT", "Creatinine", "mg/dL", "0.6", "1.1", sex="FEMALE"),
       _a("CREAT", "Creatinine", "mg/dL", "0.2", "0.4", ages=(0, 0)),
       _a("CREAT", "Creatinine", "mg/dL", "0.3", "0.7", ages=(1, 12)),
       _a("UA", "Uric acid", "mg/dL", "3.5", "7.2", sex="MALE"),
       _a("UA", "Uric acid", "mg/dL", "2.6", "6.0", sex="FEMALE"),
       _a("CA", "Calcium (total)", "mg/dL", "8.6", "10.2", "6.5", "13.0"),
       _SODIUM, _POTASSIUM, _CHLORIDE),
    _t("ELEC", "Serum Electrolytes", "Biochemistry", "Clinical Chemistry", "Serum", 90, "450.00",
       _SODIUM, _POTASSIUM, _CHLORIDE),
    _t("LFT", "Liver Function Test", "Biochemistry", "Clinical Chemistry", "Serum", 180, "700.00",
       _a("TBIL", "Bilirubin, total", "mg/dL", "0.3", "1.2"),
       _a("DBIL", "Bilirubin, direct", "mg/dL", "0.0", "0.3"),
       _a("AST", "AST (SGOT)", "U/L", "0", "40"),
       _a("ALT", "ALT (SGPT)", "U/L", "0", "41"),
       _a("ALP", "Alkaline phosphatase", "U/L", "40", "129"),
       _a("ALP", "Alkaline phosphatase", "U/L", "100", "390", ages=(1, 12)),
       _a("GGT", "Gamma-glutamyl transferase", "U/L", "10", "71", sex="MALE"),
       _a("GGT", "Gamma-glutamyl transferase", "U/L", "6", "42", sex="FEMALE"),
       _a("TP", "Total protein", "g/dL", "6.4", "8.3"),
       _a("ALB", "Albumin", "g/dL", "3.5", "5.2"),
       _a("GLOB", "Globulin", "g/dL", "2.0", "3.5")),
    _t("FBS", "Glucose, Fasting", "Biochemistry", "Clinical Chemistry", "Fluoride plasma", 60, "80.00",
       _a("GLU", "Glucose, fasting", "mg/dL", "70", "99", *_GLUCOSE_CRITICAL)),
    _t("PPBS", "Glucose, Post-prandial (2 h)", "Biochemistry", "Clinical Chemistry", "Fluoride plasma", 60, "80.00",
       _a("GLU", "Glucose, 2 h post-prandial", "mg/dL", "70", "140", *_GLUCOSE_CRITICAL)),
    _t("RBS", "Glucose, Random", "Biochemistry", "Clinical Chemistry", "Fluoride plasma", 45, "80.00",
       _a("GLU", "Glucose, random", "mg/dL", "70", "140", *_GLUCOSE_CRITICAL)),
    _t("HBA1C", "Glycated Haemoglobin (HbA1c)", "Biochemistry", "Clinical Chemistry", "EDTA whole blood", 240,
       "550.00",
       _a("HBA1C", "HbA1c", "%", "4.0", "5.6")),
    _t("LIPID", "Lipid Profile", "Biochemistry", "Clinical Chemistry", "Serum (12 h fasting)", 240, "600.00",
       _a("CHOL", "Total cholesterol", "mg/dL", None, "200"),
       _a("TG", "Triglycerides", "mg/dL", None, "150"),
       _a("HDL", "HDL cholesterol", "mg/dL", "40", None, sex="MALE"),
       _a("HDL", "HDL cholesterol", "mg/dL", "50", None, sex="FEMALE"),
       _a("LDL", "LDL cholesterol", "mg/dL", None, "100"),
       _a("VLDL", "VLDL cholesterol", "mg/dL", "2", "30")),
    _t("TSH", "Thyroid Stimulating Hormone", "Endocrinology", "Immunoassay", "Serum", 240, "350.00",
       _a("TSH", "TSH", "µIU/mL", "0.27", "4.20")),
    _t("TFT", "Thyroid Profile (T3, T4, TSH)", "Endocrinology", "Immunoassay", "Serum", 300, "650.00",
       _a("T3", "Total T3", "ng/mL", "0.8", "2.0"),
       _a("T4", "Total T4", "µg/dL", "5.1", "14.1"),
       _a("TSH", "TSH", "µIU/mL", "0.27", "4.20")),
    _t("CRP", "C-Reactive Protein (quantitative)", "Immunology", "Immunoassay", "Serum", 120, "450.00",
       _a("CRP", "CRP", "mg/L", None, "5.0")),
    # Sex-specific 99th-percentile upper limits of the high-sensitivity troponin I assay; the critical value
    # is the ESC 0/1 h rule-in threshold for the same assay.
    _t("TROP", "Troponin I, high-sensitivity", "Biochemistry", "Cardiac Markers", "Serum", 60, "1200.00",
       _a("HSTNI", "hs-Troponin I", "ng/L", "0", "34", None, "64", sex="MALE"),
       _a("HSTNI", "hs-Troponin I", "ng/L", "0", "16", None, "64", sex="FEMALE")),
    _t("URINE", "Urine Routine & Microscopy", "Clinical Pathology", "Urine Analysis", "Urine (mid-stream)", 90,
       "200.00",
       _a("COLOUR", "Colour", None),
       _a("APPEAR", "Appearance", None),
       _a("PH", "pH", None, "5.0", "8.0"),
       _a("SG", "Specific gravity", None, "1.005", "1.030"),
       _a("PROT", "Protein", None),
       _a("UGLU", "Glucose", None),
       _a("KET", "Ketones", None),
       _a("UBLD", "Blood", None),
       _a("PUS", "Pus cells", "/hpf", "0", "5"),
       _a("URBC", "Red blood cells", "/hpf", "0", "2"),
       _a("EPI", "Epithelial cells", "/hpf", "0", "5"),
       _a("CAST", "Casts", None),
       _a("CRYST", "Crystals", None)),
    _t("DENGUE", "Dengue NS1 Antigen", "Serology", "Serology", "Serum", 120, "600.00",
       _a("NS1", "Dengue NS1 antigen", None)),
    _t("MPAG", "Malaria Antigen (P. falciparum / P. vivax)", "Serology", "Serology", "EDTA whole blood", 60,
       "450.00",
       _a("MPAG", "Malaria antigen", None)),
)


# ---------------------------------------------------------------- analyzers


@dataclass(frozen=True, slots=True)
class AnalyzerSpec:
    """An instrument sending HL7 v2 results; `code` is its MSH-3 sending application."""

    code: str
    name: str
    section: str


ANALYZERS = (
    AnalyzerSpec("SYSMEX-XN", "Sysmex XN-1000 haematology analyzer", "Haematology"),
    AnalyzerSpec("COBAS-C311", "Roche cobas c 311 clinical chemistry analyzer", "Clinical Chemistry"),
)
