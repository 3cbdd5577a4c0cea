"""What brings the demo hospital's patients in, per department: outpatient presentations and admissions.

Diagnoses carry WHO ICD-10 codes (the classification Indian hospitals and ABDM use).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Presentation:
    """An outpatient visit: what the patient said, what the doctor concluded, what was advised."""

    complaint: str
    diagnosis: str
    plan: str


@dataclass(frozen=True, slots=True)
class AdmissionReason:
    reason: str
    diagnosis: str
    icd_code: str
    usual_stay_days: int
    # Procedure, theatre and consumables on top of the bed, in rupees.
    extra_cost: Decimal


def _p(complaint: str, diagnosis: str, plan: str) -> Presentation:
    return Presentation(complaint, diagnosis, plan)


def _r(reason: str, diagnosis: str, icd: str, days: int, extra: str) -> AdmissionReason:
    return AdmissionReason(reason, diagnosis, icd, days, Decimal(extra))


OPD_PRESENTATIONS: dict[str, tuple[Presentation, ...]] = {
    "GMED": (
        _p("Fever with body ache for 3 days", "Acute febrile illness, likely viral",
           "Paracetamol 650 mg SOS, oral fluids; CBC and dengue NS1 if fever persists"),
        _p("Follow-up for diabetes", "Type 2 diabetes mellitus, suboptimally controlled",
           "Continue metformin, add glimepiride 1 mg; HbA1c after 3 months; diet counselling"),
        _p("Headache and giddiness", "Essential hypertension",
           "Amlodipine 5 mg once daily; salt restriction; review in 2 weeks"),
        _p("Cough with sputum for a week", "Acute bronchitis", "Azithromycin 500 mg for 3 days; steam inhalation"),
        _p("Burning micturition", "Uncomplicated urinary tract infection",
           "Urine routine and culture; nitrofurantoin 5 days"),
        _p("Epigastric pain after meals", "Acid peptic disease", "Pantoprazole 40 mg before breakfast for 4 weeks"),
        _p("Tiredness and weight gain", "Hypothyroidism", "TSH; levothyroxine 50 mcg; review with report"),
        _p("Loose stools since yesterday", "Acute gastroenteritis", "ORS, zinc, hygiene advice; return if dehydrated"),
    ),
    "GSUR": (
        _p("Swelling in the right groin", "Right inguinal hernia", "Elective hernioplasty; pre-anaesthetic check-up"),
        _p("Pain in the right upper abdomen after fatty food", "Cholelithiasis",
           "Ultrasound abdomen; laparoscopic cholecystectomy advised"),
        _p("Non-healing wound on the left foot", "Diabetic foot ulcer",
           "Debridement, dressing on alternate days, glucose control"),
        _p("Painful swelling near the anus", "Perianal abscess", "Incision and drainage under short GA"),
        _p("Lump in the breast", "Fibroadenoma of the breast", "Ultrasound breast; excision biopsy"),
    ),
    "ORTH": (
        _p("Knee pain on climbing stairs", "Osteoarthritis of knees",
           "Quadriceps exercises, weight loss, paracetamol SOS"),
        _p("Low back pain radiating to the left leg", "Lumbar disc prolapse with radiculopathy",
           "MRI lumbar spine; physiotherapy; analgesics"),
        _p("Fall on outstretched hand", "Fracture of distal radius, undisplaced", "Below-elbow cast for 6 weeks"),
        _p("Shoulder pain and stiffness", "Adhesive capsulitis", "Physiotherapy; review in 4 weeks"),
        _p("Ankle twist while playing", "Lateral ankle sprain", "RICE, crepe bandage, ibuprofen for 5 days"),
    ),
    "PAED": (
        _p("Fever and cold for 2 days", "Upper respiratory tract infection", "Paracetamol syrup, saline nasal drops"),
        _p("Loose stools and vomiting", "Acute gastroenteritis, some dehydration", "ORS, zinc for 14 days"),
        _p("Routine immunisation", "Well child, immunisation visit",
           "Vaccines as per IAP schedule; next visit in 4 weeks"),
        _p("Wheezing at night", "Childhood asthma", "Salbutamol via spacer; budesonide inhaler; asthma plan"),
        _p("Ear pain", "Acute otitis media", "Amoxicillin for 7 days; paracetamol SOS"),
    ),
    "OBGY": (
        _p("Antenatal check-up", "Intrauterine pregnancy, low risk",
           "Iron and folic acid, calcium; anomaly scan at 20 weeks"),
        _p("Irregular periods", "Polycystic ovary syndrome",
           "Ultrasound pelvis; lifestyle changes; review with reports"),
        _p("Heavy menstrual bleeding", "Fibroid uterus", "Haemoglobin, ultrasound; tranexamic acid during periods"),
        _p("White discharge", "Vulvovaginal candidiasis", "Clotrimazole vaginal pessary for 6 nights"),
        _p("Postnatal check-up", "Normal puerperium", "Continue iron and calcium; contraception counselling"),
    ),
    "CARD": (
        _p("Chest discomfort on exertion", "Chronic stable angina", "ECG, echo, treadmill test; aspirin and statin"),
        _p("Breathlessness on walking", "Heart failure with reduced ejection fraction",
           "Echo; furosemide, metoprolol, telmisartan; fluid restriction"),
        _p("Palpitations", "Paroxysmal atrial fibrillation", "Holter; metoprolol; anticoagulation discussed"),
        _p("Follow-up after angioplasty", "Coronary artery disease, post PCI",
           "Continue aspirin and clopidogrel for 12 months; statin"),
        _p("High BP readings at home", "Resistant hypertension",
           "Add telmisartan; renal function test; review in 2 weeks"),
    ),
}

ADMISSION_REASONS: dict[str, tuple[AdmissionReason, ...]] = {
    "GMED": (
        _r("Fever with cough and breathlessness", "Community-acquired pneumonia", "J18.9", 5, "8000.00"),
        _r("High fever with low platelet count", "Dengue fever with thrombocytopenia", "A90", 4, "6000.00"),
        _r("Vomiting and loose stools with dehydration", "Acute gastroenteritis with moderate dehydration", "A09", 3,
           "3000.00"),
        _r("High blood sugar with vomiting", "Type 2 diabetes mellitus with ketosis", "E11.1", 4, "6000.00"),
        _r("Fever with burning micturition and flank pain", "Acute pyelonephritis", "N10", 5, "7000.00"),
        _r("Step-ladder fever for a week", "Typhoid fever", "A01.0", 5, "5000.00"),
        _r("Fever with chills and rigors", "Plasmodium vivax malaria", "B51.9", 4, "5000.00"),
        _r("Breathlessness and wheeze", "COPD with acute exacerbation", "J44.1", 5, "7000.00"),
        _r("Painful red swelling of the leg", "Cellulitis of the left lower limb", "L03.1", 5, "6000.00"),
        _r("Confusion and drowsiness", "Hyponatraemia", "E87.1", 4, "5000.00"),
    ),
    "GSUR": (
        _r("Pain in the right lower abdomen with vomiting", "Acute appendicitis", "K35.8", 3, "45000.00"),
        _r("Right upper abdominal pain with fever", "Acute calculous cholecystitis", "K80.0", 4, "60000.00"),
        _r("Elective repair of groin swelling", "Right inguinal hernia", "K40.9", 2, "40000.00"),
        _r("Foul-smelling wound on the foot", "Diabetic foot ulcer with infection", "L97", 7, "25000.00"),
        _r("Severe upper abdominal pain radiating to the back", "Acute pancreatitis", "K85.9", 6, "20000.00"),
        _r("Abdominal distension and no passage of stool", "Adhesive small-bowel obstruction", "K56.5", 5,
           "30000.00"),
    ),
    "ORTH": (
        _r("Fall at home, unable to bear weight", "Fracture of the neck of the femur", "S72.0", 6, "120000.00"),
        _r("Elective total knee replacement", "Primary osteoarthritis of the knee", "M17.1", 5, "180000.00"),
        _r("Road traffic accident, deformity of the forearm", "Fracture of the shafts of radius and ulna", "S52.4", 3,
           "55000.00"),
        _r("Back pain with weakness of the leg", "Lumbar disc prolapse with radiculopathy", "M51.1", 4, "90000.00"),
    ),
    "PAED": (
        _r("Fast breathing and poor feeding", "Bronchiolitis", "J21.9", 3, "4000.00"),
        _r("Fever with a fit at home", "Simple febrile seizure", "R56.0", 2, "3000.00"),
        _r("Loose stools with dehydration", "Acute gastroenteritis with some dehydration", "A09", 2, "2500.00"),
        _r("High fever with rash", "Dengue fever", "A90", 4, "5000.00"),
        _r("Fever and cough with chest indrawing", "Severe pneumonia", "J18.9", 5, "8000.00"),
    ),
    "OBGY": (
        _r("Labour pains at term", "Spontaneous vertex delivery", "O80.0", 2, "25000.00"),
        _r("Elective caesarean, previous caesarean", "Delivery by elective caesarean section", "O82.0", 4,
           "55000.00"),
        _r("High blood pressure at 34 weeks", "Pre-eclampsia", "O14.9", 4, "15000.00"),
        _r("Persistent vomiting in early pregnancy", "Hyperemesis gravidarum", "O21.0", 3, "6000.00"),
        _r("Heavy bleeding, for planned surgery", "Leiomyoma of the uterus", "D25.9", 4, "70000.00"),
    ),
    "CARD": (
        _r("Crushing chest pain for 2 hours", "Acute anterior wall ST-elevation myocardial infarction", "I21.0", 5,
           "160000.00"),
        _r("Chest pain at rest with raised troponin", "Non-ST-elevation myocardial infarction", "I21.4", 4,
           "120000.00"),
        _r("Worsening chest pain on minimal exertion", "Unstable angina", "I20.0", 3, "30000.00"),
        _r("Breathlessness lying flat and swelling of the legs", "Acute decompensated heart failure", "I50.0", 5,
           "25000.00"),
        _r("Palpitations and giddiness", "Atrial fibrillation with fast ventricular rate", "I48.9", 3, "15000.00"),
        _r("Severe headache with BP 220/130", "Hypertensive emergency", "I10", 3, "12000.00"),
    ),
}

DISCHARGE_ADVICE = (
    "Continue medicines as prescribed; review in OPD after one week with reports; return at once if symptoms recur."
)
