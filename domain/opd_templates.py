"""Quick OPD templates: chief complaints for the desk and triage, consultation templates by specialization.

A consultation template fills a consultation's fields in one click; the doctor edits what differs. Its
medicines are suggestions by generic name (the client picks the formulary brand), never prescribed by
themselves: prescribing always goes through the checks of domain/prescribing.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The complaints an Indian OPD hears most, worded as the desk writes them ("__" is the duration).
CHIEF_COMPLAINTS: tuple[str, ...] = (
    "Fever for __ days",
    "Fever with chills for __ days",
    "Cough and cold for __ days",
    "Sore throat for __ days",
    "Breathlessness for __ days",
    "Chest pain since __",
    "Palpitations since __",
    "Headache for __ days",
    "Giddiness since __",
    "Abdominal pain for __ days",
    "Loose stools for __ days",
    "Vomiting for __ days",
    "Burning micturition for __ days",
    "Joint pain for __ weeks",
    "Low back pain for __ weeks",
    "Knee pain for __ months",
    "Neck pain for __ weeks",
    "Injury / fall today",
    "Swelling of __ for __ days",
    "Skin rash / itching for __ days",
    "Follow-up for diabetes",
    "Follow-up for hypertension",
    "Follow-up with reports",
    "Antenatal check-up",
    "Irregular periods for __ months",
    "Child with fever for __ days",
    "Vaccination",
    "Medical fitness certificate",
)


@dataclass(frozen=True, slots=True)
class SuggestedMedicine:
    generic_name: str
    dose: str
    dose_unit: str
    frequency: str
    duration_days: int
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class ConsultationTemplate:
    id: str
    specialty: str
    name: str
    chief_complaint: str
    history: str
    examination_findings: str
    diagnosis: str
    diagnosis_codes: tuple[str, ...]
    treatment_plan: str
    follow_up_days: int | None = None
    medicines: tuple[SuggestedMedicine, ...] = field(default_factory=tuple)


def _m(generic: str, dose: str, unit: str, frequency: str, days: int, instructions: str | None = None
       ) -> SuggestedMedicine:
    return SuggestedMedicine(generic, dose, unit, frequency, days, instructions)


GENERAL_MEDICINE = "General Medicine"
PAEDIATRICS = "Paediatrics"
CARDIOLOGY = "Cardiology"
ORTHOPAEDICS = "Orthopaedics"
GENERAL_SURGERY = "General Surgery"
OBSTETRICS_GYNAECOLOGY = "Obstetrics & Gynaecology"

TEMPLATES: tuple[ConsultationTemplate, ...] = (
    ConsultationTemplate(
        "gm-viral-fever", GENERAL_MEDICINE, "Acute febrile illness (viral)",
        "Fever with body ache for 3 days",
        "Fever, intermittent, with body ache and headache. No bleeding, rash, breathlessness or altered sensorium.",
        "Febrile. Pulse regular. No pallor, icterus or lymphadenopathy. Chest clear. Abdomen soft.",
        "Acute febrile illness, likely viral", ("R50.9",),
        "Oral fluids, rest. CBC and dengue NS1 if fever persists beyond 3 days. Return at once if bleeding, "
        "vomiting, abdominal pain or drowsiness (dengue warning signs).",
        3, (_m("Paracetamol", "650", "mg", "TDS", 3, "After food; not more than 4 tablets a day"),),
    ),
    ConsultationTemplate(
        "gm-diabetes-review", GENERAL_MEDICINE, "Type 2 diabetes review",
        "Follow-up for diabetes",
        "Known type 2 diabetes. Adherent to medicines. No hypoglycaemic episodes. Diet and activity discussed.",
        "Weight, BP recorded. Feet examined: pulses felt, sensation intact, no ulcer.",
        "Type 2 diabetes mellitus", ("E11.9",),
        "Continue medicines. FBS, PPBS, HbA1c and urine microalbumin before the next visit. Diet counselling; "
        "30 minutes of walking a day.",
        90, (_m("Metformin", "500", "mg", "BD", 90, "After food"),),
    ),
    ConsultationTemplate(
        "gm-hypertension-review", GENERAL_MEDICINE, "Hypertension review",
        "Follow-up for hypertension",
        "Known hypertensive. No headache, chest pain, breathlessness or swelling of feet.",
        "BP recorded in both arms. Heart sounds normal. No pedal oedema.",
        "Essential hypertension", ("I10",),
        "Continue medicines. Salt below 5 g a day. Renal function and lipid profile yearly.",
        30, (_m("Amlodipine", "5", "mg", "OD", 30, "Morning"),),
    ),
    ConsultationTemplate(
        "gm-urti", GENERAL_MEDICINE, "Upper respiratory infection",
        "Cough and cold for 3 days",
        "Running nose, sore throat, dry cough. No breathlessness, chest pain or high fever.",
        "Throat congested. Chest clear.",
        "Acute upper respiratory infection", ("J06.9",),
        "Steam inhalation, warm saline gargles. Antibiotics not needed. Return if breathless or fever beyond 5 days.",
        None,
        (_m("Paracetamol", "650", "mg", "SOS", 3, "For fever or pain"),
         _m("Cetirizine", "10", "mg", "HS", 5, "May cause drowsiness")),
    ),
    ConsultationTemplate(
        "gm-gastroenteritis", GENERAL_MEDICINE, "Acute gastroenteritis",
        "Loose stools for 1 day",
        "Watery stools, no blood or mucus. Tolerating oral fluids. Passing urine.",
        "Mild dehydration. Abdomen soft, non-tender.",
        "Acute gastroenteritis", ("A09.9",),
        "ORS after every loose stool, hygiene advice. Return if unable to drink, blood in stools or drowsy.",
        None,
        (_m("Oral rehydration salts (WHO)", "1", "sachet", "SOS", 3, "One sachet in 1 litre of water"),
         _m("Ondansetron", "4", "mg", "SOS", 2, "For vomiting")),
    ),
    ConsultationTemplate(
        "gm-acid-peptic", GENERAL_MEDICINE, "Acid peptic disease",
        "Epigastric pain after meals",
        "Burning epigastric pain after meals, worse with spicy food. No vomiting of blood, black stools or "
        "weight loss.",
        "Mild epigastric tenderness. No organomegaly.",
        "Gastritis", ("K29.7",),
        "Small frequent meals; avoid NSAIDs, alcohol and late dinners.",
        14, (_m("Pantoprazole", "40", "mg", "OD", 28, "Before breakfast"),),
    ),
    ConsultationTemplate(
        "paed-fever", PAEDIATRICS, "Child with fever",
        "Child with fever for 2 days",
        "Fever, feeding well, active between fever spikes. Immunisation up to date. No convulsions or rash.",
        "Active, well hydrated. Throat and ears normal. Chest clear.",
        "Fever in a child, likely viral", ("R50.9",),
        "Paracetamol by weight, tepid sponging, fluids. Return if the child is drowsy, not feeding, breathing "
        "fast or has a fit.",
        2, (_m("Paracetamol", "15", "mg/kg", "QID", 3, "Syrup by weight; at least 4 hours apart"),),
    ),
    ConsultationTemplate(
        "paed-bronchiolitis", PAEDIATRICS, "Bronchiolitis",
        "Cough and breathing difficulty for 2 days",
        "Cough, running nose, noisy breathing. Feeding slightly reduced.",
        "Mild subcostal retractions, scattered wheeze. SpO2 on air recorded.",
        "Acute bronchiolitis", ("J21.9",),
        "Nasal saline drops, small frequent feeds. Return if feeding less than half or breathing fast.",
        2,
    ),
    ConsultationTemplate(
        "card-stable-angina", CARDIOLOGY, "Chronic stable angina",
        "Chest pain on exertion",
        "Retrosternal discomfort on climbing stairs, relieved by rest within minutes. No pain at rest.",
        "BP and pulse recorded. Heart sounds normal. ECG done.",
        "Angina pectoris", ("I20.9",),
        "Treadmill test and echocardiogram. Lipid profile. Stop smoking. Come at once if pain lasts more than "
        "15 minutes or comes at rest.",
        14,
        (_m("Aspirin", "75", "mg", "OD", 30, "After lunch"),
         _m("Atorvastatin", "10", "mg", "HS", 30)),
    ),
    ConsultationTemplate(
        "card-heart-failure", CARDIOLOGY, "Heart failure review",
        "Breathlessness on exertion",
        "Breathless on walking one flight of stairs. Sleeps with two pillows. Swelling of feet in the evening.",
        "Pedal oedema, basal crepitations. JVP raised. Weight recorded.",
        "Heart failure", ("I50.9",),
        "Fluid below 1.5 litres a day, salt restriction, daily weight. Renal function and electrolytes in a week.",
        7, (_m("Furosemide", "40", "mg", "OD", 7, "Morning"),),
    ),
    ConsultationTemplate(
        "ortho-low-back-pain", ORTHOPAEDICS, "Mechanical low back pain",
        "Low back pain for 2 weeks",
        "Pain after lifting, no radiation below the knee. No bladder or bowel symptoms, no weakness.",
        "Paraspinal tenderness. SLR negative. Power and reflexes normal.",
        "Low back pain", ("M54.5",),
        "Stay active, back-care advice, physiotherapy. Return at once if numbness, weakness or bladder trouble.",
        14, (_m("Ibuprofen", "400", "mg", "BD", 5, "After food"),),
    ),
    ConsultationTemplate(
        "ortho-knee-oa", ORTHOPAEDICS, "Osteoarthritis of the knee",
        "Knee pain for 6 months",
        "Pain on climbing stairs and squatting, morning stiffness under 30 minutes.",
        "Crepitus, mild effusion, no instability. X-ray knee standing AP and lateral.",
        "Gonarthrosis", ("M17.9",),
        "Weight reduction, quadriceps exercises, avoid squatting and sitting cross-legged.",
        30, (_m("Paracetamol", "650", "mg", "SOS", 10, "For pain"),),
    ),
    ConsultationTemplate(
        "surg-inguinal-hernia", GENERAL_SURGERY, "Inguinal hernia",
        "Swelling in the groin",
        "Reducible groin swelling for months, larger on coughing. No pain or vomiting.",
        "Reducible inguinal swelling with cough impulse. Other side normal.",
        "Inguinal hernia", ("K40.9",),
        "Elective hernioplasty advised. Pre-anaesthetic check-up. Come at once if painful and irreducible.",
        14,
    ),
    ConsultationTemplate(
        "obgy-antenatal", OBSTETRICS_GYNAECOLOGY, "Routine antenatal visit",
        "Antenatal check-up",
        "Pregnancy confirmed; dates by last menstrual period. No bleeding, pain or leaking. Fetal movements felt.",
        "BP, weight and fundal height recorded. Fetal heart heard.",
        "Supervision of normal pregnancy", ("Z34.9",),
        "Iron and folic acid, calcium. Antenatal profile. Danger signs explained.",
        28, (_m("Folic acid", "5", "mg", "OD", 30),),
    ),
    ConsultationTemplate(
        "obgy-pcos", OBSTETRICS_GYNAECOLOGY, "Polycystic ovary syndrome",
        "Irregular periods for 6 months",
        "Cycles of 45-60 days, weight gain, acne. Not planning pregnancy now.",
        "BMI recorded. Mild acne. No galactorrhoea.",
        "Polycystic ovarian syndrome", ("E28.2",),
        "Ultrasound pelvis, TSH, prolactin, fasting glucose. Weight reduction and exercise.",
        30,
    ),
)

# Which specialization names belong to which template group (matched on the lower-cased specialization).
_SPECIALTY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (PAEDIATRICS, ("paediatr", "pediatr", "neonat")),
    (CARDIOLOGY, ("cardio",)),
    (ORTHOPAEDICS, ("ortho", "spine", "joint", "trauma")),
    (OBSTETRICS_GYNAECOLOGY, ("obstet", "gynae", "gyne")),
    (GENERAL_SURGERY, ("surg", "gastroenterology")),
    (GENERAL_MEDICINE, ("medicine", "internal", "diabet", "pulmon", "infectious", "physician", "general")),
)


def specialty_of(specialization: str | None) -> str | None:
    """The template group of a doctor's specialization ("Interventional Cardiology" -> Cardiology), if any."""
    text = (specialization or "").lower()
    for specialty, words in _SPECIALTY_WORDS:
        if any(w in text for w in words):
            return specialty
    return None


def templates_for(specialization: str | None) -> list[ConsultationTemplate]:
    """The templates of the specialization's group first, then the rest (a GP sees children too)."""
    mine = specialty_of(specialization)
    return sorted(TEMPLATES, key=lambda t: (t.specialty != mine, t.specialty, t.name))


def template(template_id: str) -> ConsultationTemplate | None:
    return next((t for t in TEMPLATES if t.id == template_id), None)
