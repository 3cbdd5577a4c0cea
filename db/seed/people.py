"""Made-up people for the demo hospital: names from across India, where they live, what they do, what ails them.

Every draw goes through the `random.Random` passed in, so the same seed gives the same people.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from domain.patients import AllergenType, AllergySeverity


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    state: str
    pin_low: int
    pin_high: int

    def pincode(self, rng: random.Random) -> str:
        return str(rng.randint(self.pin_low, self.pin_high))


@dataclass(frozen=True, slots=True)
class Community:
    """Names that go together, and the places such a family most often comes from."""

    key: str
    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    places: tuple[Place, ...]
    female_surnames: tuple[str, ...] = ()


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


BENGALURU = Place("Bengaluru", "Karnataka", 560001, 560100)

_KARNATAKA = (
    BENGALURU,
    Place("Mysuru", "Karnataka", 570001, 570030),
    Place("Mangaluru", "Karnataka", 575001, 575030),
    Place("Hubballi", "Karnataka", 580020, 580032),
    Place("Belagavi", "Karnataka", 590001, 590020),
    Place("Tumakuru", "Karnataka", 572101, 572106),
    Place("Davanagere", "Karnataka", 577001, 577006),
    Place("Shivamogga", "Karnataka", 577201, 577205),
    Place("Hassan", "Karnataka", 573201, 573202),
    Place("Kalaburagi", "Karnataka", 585101, 585105),
)
_TAMIL_NADU = (
    Place("Chennai", "Tamil Nadu", 600001, 600119),
    Place("Coimbatore", "Tamil Nadu", 641001, 641050),
    Place("Madurai", "Tamil Nadu", 625001, 625022),
    Place("Salem", "Tamil Nadu", 636001, 636016),
    Place("Hosur", "Tamil Nadu", 635109, 635110),
    Place("Tiruchirappalli", "Tamil Nadu", 620001, 620024),
)
_TELUGU = (
    Place("Hyderabad", "Telangana", 500001, 500100),
    Place("Warangal", "Telangana", 506001, 506015),
    Place("Vijayawada", "Andhra Pradesh", 520001, 520015),
    Place("Visakhapatnam", "Andhra Pradesh", 530001, 530053),
    Place("Tirupati", "Andhra Pradesh", 517501, 517507),
    Place("Anantapur", "Andhra Pradesh", 515001, 515005),
)
_KERALA = (
    Place("Kochi", "Kerala", 682001, 682040),
    Place("Thiruvananthapuram", "Kerala", 695001, 695043),
    Place("Kozhikode", "Kerala", 673001, 673032),
    Place("Thrissur", "Kerala", 680001, 680027),
    Place("Kannur", "Kerala", 670001, 670018),
)
_MAHARASHTRA = (
    Place("Mumbai", "Maharashtra", 400001, 400104),
    Place("Pune", "Maharashtra", 411001, 411062),
    Place("Nagpur", "Maharashtra", 440001, 440037),
    Place("Kolhapur", "Maharashtra", 416001, 416013),
    Place("Nashik", "Maharashtra", 422001, 422013),
)
_HINDI_BELT = (
    Place("Lucknow", "Uttar Pradesh", 226001, 226031),
    Place("Kanpur", "Uttar Pradesh", 208001, 208027),
    Place("Varanasi", "Uttar Pradesh", 221001, 221011),
    Place("Patna", "Bihar", 800001, 800030),
    Place("New Delhi", "Delhi", 110001, 110096),
    Place("Jaipur", "Rajasthan", 302001, 302039),
    Place("Bhopal", "Madhya Pradesh", 462001, 462047),
    Place("Indore", "Madhya Pradesh", 452001, 452020),
)
_BENGAL = (
    Place("Kolkata", "West Bengal", 700001, 700160),
    Place("Howrah", "West Bengal", 711101, 711115),
    Place("Siliguri", "West Bengal", 734001, 734015),
)
_GUJARAT = (
    Place("Ahmedabad", "Gujarat", 380001, 380061),
    Place("Surat", "Gujarat", 395001, 395017),
    Place("Vadodara", "Gujarat", 390001, 390025),
)
_PUNJAB = (
    Place("Ludhiana", "Punjab", 141001, 141017),
    Place("Amritsar", "Punjab", 143001, 143022),
    Place("Jalandhar", "Punjab", 144001, 144028),
    Place("Chandigarh", "Chandigarh", 160001, 160036),
)
_ODISHA = (
    Place("Bhubaneswar", "Odisha", 751001, 751031),
    Place("Cuttack", "Odisha", 753001, 753014),
)
_ASSAM = (
    Place("Guwahati", "Assam", 781001, 781040),
    Place("Dibrugarh", "Assam", 786001, 786005),
)
_GOA = (
    Place("Panaji", "Goa", 403001, 403006),
    Place("Margao", "Goa", 403601, 403602),
)

COMMUNITIES = (
    Community(
        "kannada", 32,
        _names("Manjunath Raghavendra Prakash Shivakumar Naveen Girish Harish Basavaraj Chandrashekar Mahesh "
               "Nagaraj Venkatesh Kiran Darshan Yashwanth Puneeth Santosh Mallikarjun Siddharth Praveen"),
        _names("Lakshmi Savitha Shilpa Roopa Sowmya Kavya Pavithra Deepa Ashwini Bhavya Rekha Sunitha "
               "Nandini Shwetha Geetha Rashmi Anusuya Chaitra Vidya Sahana"),
        _names("Gowda Shetty Hegde Rao Bhat Kulkarni Patil Naik Murthy Kamath Shenoy Achar Hiremath Kumar "
               "Nayak Poojary Angadi Swamy"),
        _KARNATAKA,
    ),
    Community(
        "tamil", 10,
        _names("Karthik Senthil Murugan Arun Vignesh Saravanan Rajesh Balaji Dinesh Prabhu Ganesh Sathish "
               "Aravind Elango Ramkumar"),
        _names("Priya Meena Kavitha Deepika Revathi Anitha Gayathri Malathi Saranya Kalaivani Janani "
               "Sangeetha Vasuki Thenmozhi"),
        _names("Subramanian Krishnan Raman Iyer Pillai Natarajan Sundaram Venkataraman Raghavan "
               "Chandrasekaran Murugesan Rajendran Annamalai"),
        _TAMIL_NADU,
    ),
    Community(
        "telugu", 10,
        _names("Srinivas Venkata Ravi Naresh Suresh Chaitanya Sai Pavan Nagarjuna Ramana Kishore Srikanth "
               "Vamsi Anil"),
        _names("Sravani Lavanya Padma Swathi Sirisha Anusha Haritha Madhavi Sailaja Keerthi Bhargavi "
               "Sujatha Tejaswini"),
        _names("Reddy Naidu Chowdary Rao Varma Raju Yadav Goud Prasad Sastry Kondapalli Rachakonda"),
        _TELUGU,
    ),
    Community(
        "malayali", 8,
        _names("Anil Sunil Biju Jijo Shaji Rajeev Vineeth Arjun Jithin Sajan Thomas Joseph Pradeep Hari"),
        _names("Anjali Lekshmi Reshma Sreeja Divya Aswathy Neethu Mariamma Ancy Jisha Bindu Sreelakshmi"),
        _names("Nair Menon Pillai Kurian Varghese Mathew George Panicker Namboothiri Warrier Thampi Kurup"),
        _KERALA,
    ),
    Community(
        "marathi", 5,
        _names("Sachin Rahul Amol Sandeep Prashant Vinayak Nilesh Tushar Ganesh Omkar Mangesh"),
        _names("Pooja Snehal Ashwini Priyanka Manasi Shubhangi Rupali Vaishali Madhuri Prajakta"),
        _names("Patil Deshmukh Kulkarni Joshi Jadhav Pawar Shinde Deshpande Gaikwad Kale More Salunkhe"),
        _MAHARASHTRA,
    ),
    Community(
        "hindi", 10,
        _names("Rajesh Amit Sanjay Rakesh Vikas Manoj Deepak Ajay Pankaj Alok Vivek Ashok Ankit Rohit Saurabh"),
        _names("Sunita Anita Neha Pooja Kavita Rekha Priyanka Suman Geeta Ritu Mamta Shalini Archana Nidhi"),
        _names("Sharma Verma Gupta Singh Yadav Mishra Pandey Tiwari Srivastava Chauhan Agarwal Saxena Dubey "
               "Shukla Rathore"),
        _HINDI_BELT,
    ),
    Community(
        "bengali", 5,
        _names("Sourav Arindam Debashis Subhajit Partha Abhijit Sayan Anirban Tanmoy Rajib"),
        _names("Moumita Rituparna Sreya Payel Tanushree Madhumita Sudeshna Ananya Debjani"),
        _names("Banerjee Chatterjee Mukherjee Ghosh Bose Das Sen Dutta Roy Chakraborty Bhattacharya"),
        _BENGAL,
    ),
    Community(
        "gujarati", 3,
        _names("Hardik Jignesh Kalpesh Chirag Bhavesh Mehul Ketan Parth"),
        _names("Hetal Krupa Nisha Dhara Falguni Bhavna Jinal Komal"),
        _names("Patel Shah Mehta Desai Joshi Trivedi Parikh Vyas"),
        _GUJARAT,
    ),
    Community(
        "punjabi", 3,
        _names("Gurpreet Harpreet Manpreet Jaspreet Amarjeet Balwinder Kuldeep Harjit"),
        _names("Simran Harleen Navneet Jasleen Manjeet Gurleen Rupinder"),
        _names("Singh Gill Sandhu Dhillon Grewal Sidhu Bajwa"),
        _PUNJAB,
        female_surnames=_names("Kaur Kaur Kaur Gill Sandhu Dhillon"),
    ),
    Community(
        "odia", 3,
        _names("Subrat Debasish Bikash Prasanta Sanjib Manas"),
        _names("Sasmita Lipika Sangeeta Pragyan Smruti Itishree"),
        _names("Mohanty Patnaik Das Mishra Panda Behera Sahoo Nayak"),
        _ODISHA,
    ),
    Community(
        "assamese", 2,
        _names("Bhaskar Dhruba Pranjal Hemanta Bitupan Jayanta"),
        _names("Nilakshi Bornali Jonali Dipshikha Pallavi Rimjhim"),
        _names("Bora Gogoi Baruah Saikia Kalita Hazarika"),
        _ASSAM,
    ),
    Community(
        "muslim", 6,
        _names("Imran Faisal Salman Arif Irfan Sameer Asif Javed Rizwan Mohammed Tanveer Zubair"),
        _names("Ayesha Fatima Shabana Nazia Farheen Zainab Rukhsar Sana Tabassum Heena"),
        _names("Khan Shaikh Ansari Qureshi Syed Siddiqui Pasha Baig Ahmed Hussain"),
        (BENGALURU, Place("Hyderabad", "Telangana", 500001, 500100), Place("Lucknow", "Uttar Pradesh", 226001, 226031),
         Place("Mumbai", "Maharashtra", 400001, 400104), Place("Kozhikode", "Kerala", 673001, 673032)),
    ),
    Community(
        "christian", 3,
        _names("Francis Anthony Melwyn Clifford Joel Roshan Sunil Vincent"),
        _names("Maria Sheela Flavia Priscilla Agnes Reena Sonia Lavina"),
        _names("D'Souza Fernandes Pinto Lobo Rodrigues D'Costa Menezes Saldanha"),
        (Place("Mangaluru", "Karnataka", 575001, 575030), *_GOA, Place("Kochi", "Kerala", 682001, 682040), BENGALURU),
    ),
)

# A Bengaluru hospital: most patients live in the city whatever their family's roots.
LIVES_IN_BENGALURU = 0.55

_STREETS = _names(
    "MG_Road Station_Road Gandhi_Nagar Nehru_Street Temple_Road Main_Road Church_Street Market_Road "
    "Old_Airport_Road Lake_View_Road College_Road Park_Street"
)
_BENGALURU_AREAS = _names(
    "Jayanagar Basavanagudi Malleshwaram Rajajinagar Indiranagar Koramangala BTM_Layout HSR_Layout Whitefield "
    "Yelahanka Banashankari Vijayanagar Hebbal Marathahalli Electronic_City JP_Nagar RT_Nagar Yeshwanthpur"
)


def address(rng: random.Random, place: Place) -> str:
    number = rng.randint(1, 480)
    if place is BENGALURU:
        area = rng.choice(_BENGALURU_AREAS).replace("_", " ")
        cross = rng.randint(1, 18)
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(cross, "th")
        return f"{number}, {cross}{suffix} Cross, {area}"
    return f"{number}, {rng.choice(_STREETS).replace('_', ' ')}"


def pick_community(rng: random.Random) -> Community:
    return rng.choices(COMMUNITIES, weights=[c.weight for c in COMMUNITIES])[0]


def pick_place(rng: random.Random, community: Community) -> Place:
    if rng.random() < LIVES_IN_BENGALURU:
        return BENGALURU
    return rng.choice(community.places)


def first_name(rng: random.Random, community: Community, female: bool) -> str:
    return rng.choice(community.female if female else community.male)


def surname(rng: random.Random, community: Community, female: bool) -> str:
    if female and community.female_surnames:
        return rng.choice(community.female_surnames)
    return rng.choice(community.surnames)


def mobile(rng: random.Random) -> str:
    """An Indian mobile number as stored: +91, ten digits, the first 6-9."""
    return f"+91{rng.choice('6789')}{rng.randint(0, 999_999_999):09d}"


def email_local_part(first: str, last: str) -> str:
    return ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in (first, last))


def abha_number(rng: random.Random) -> str:
    """A 14-digit ABHA number written as ABDM shows it: 12-3456-7890-1234."""
    digits = f"{rng.randint(10, 99)}{rng.randint(0, 999_999_999_999):012d}"
    return f"{digits[:2]}-{digits[2:6]}-{digits[6:10]}-{digits[10:]}"


OCCUPATIONS = _names(
    "Software_engineer Teacher Farmer Homemaker Driver Shopkeeper Retired Electrician Accountant Business "
    "Construction_worker Tailor Police_constable Bank_officer Nurse Auto-rickshaw_driver Security_guard "
    "Government_employee Sales_executive Cook Civil_engineer Pharmacist Lawyer Mechanic Domestic_worker"
)


def occupation(rng: random.Random, age: int) -> str | None:
    if age < 5:
        return None
    if age < 22:
        return "Student"
    if age >= 62 and rng.random() < 0.7:
        return "Retired"
    return rng.choice(OCCUPATIONS).replace("_", " ")


# (condition, usual medication), chosen more often with age.
CHRONIC_CONDITIONS = (
    ("Type 2 diabetes mellitus", "Metformin 500 mg twice daily"),
    ("Essential hypertension", "Amlodipine 5 mg once daily"),
    ("Hypothyroidism", "Levothyroxine 50 mcg once daily"),
    ("Bronchial asthma", "Salbutamol inhaler as needed"),
    ("Dyslipidaemia", "Atorvastatin 10 mg at night"),
    ("Chronic kidney disease, stage 3", "Telmisartan 40 mg once daily"),
    ("Ischaemic heart disease", "Aspirin 75 mg and Atorvastatin 10 mg once daily"),
    ("COPD", "Budesonide respules twice daily"),
    ("Osteoarthritis of knees", "Paracetamol 650 mg as needed"),
    ("Epilepsy", "Levetiracetam 500 mg twice daily"),
)

SURGERIES = (
    "Appendicectomy", "Laparoscopic cholecystectomy", "Caesarean section", "Cataract surgery (right eye)",
    "Inguinal hernia repair", "Total knee replacement (left)", "Hysterectomy", "Tonsillectomy",
    "Coronary angioplasty with stent", "Open reduction and internal fixation, right radius",
)


@dataclass(frozen=True, slots=True)
class AllergySpec:
    allergen: str
    allergen_type: AllergenType
    reaction: str
    severity: AllergySeverity
    weight: int


# DRUG_CLASS allergens are the formulary's drug_class strings; DRUG allergens its generic names.
ALLERGIES = (
    AllergySpec("Penicillins", AllergenType.DRUG_CLASS, "Urticarial rash", AllergySeverity.MODERATE, 7),
    AllergySpec("Penicillins", AllergenType.DRUG_CLASS, "Anaphylaxis", AllergySeverity.LIFE_THREATENING, 1),
    AllergySpec("Sulfonamides", AllergenType.DRUG_CLASS, "Maculopapular rash", AllergySeverity.MODERATE, 4),
    AllergySpec("NSAIDs", AllergenType.DRUG_CLASS, "Bronchospasm", AllergySeverity.SEVERE, 3),
    AllergySpec("NSAIDs", AllergenType.DRUG_CLASS, "Angioedema", AllergySeverity.SEVERE, 1),
    AllergySpec("Cephalosporins", AllergenType.DRUG_CLASS, "Itching and rash", AllergySeverity.MILD, 2),
    AllergySpec("Opioids", AllergenType.DRUG_CLASS, "Severe pruritus and vomiting", AllergySeverity.MILD, 1),
    AllergySpec("Iodinated contrast media", AllergenType.DRUG_CLASS, "Urticaria", AllergySeverity.MODERATE, 1),
    AllergySpec("Amoxicillin", AllergenType.DRUG, "Urticaria", AllergySeverity.MODERATE, 2),
    AllergySpec("Diclofenac", AllergenType.DRUG, "Periorbital swelling", AllergySeverity.MODERATE, 2),
    AllergySpec("Ciprofloxacin", AllergenType.DRUG, "Itching", AllergySeverity.MILD, 1),
    AllergySpec("Metronidazole", AllergenType.DRUG, "Vomiting and metallic taste", AllergySeverity.MILD, 1),
    AllergySpec("Peanuts", AllergenType.FOOD, "Hives and lip swelling", AllergySeverity.SEVERE, 2),
    AllergySpec("Prawns", AllergenType.FOOD, "Urticaria", AllergySeverity.MODERATE, 1),
    AllergySpec("Egg", AllergenType.FOOD, "Eczema flare", AllergySeverity.MILD, 1),
    AllergySpec("House dust mite", AllergenType.ENVIRONMENT, "Allergic rhinitis", AllergySeverity.MILD, 3),
    AllergySpec("Parthenium (congress grass)", AllergenType.ENVIRONMENT, "Contact dermatitis",
                AllergySeverity.MODERATE, 1),
    AllergySpec("Latex", AllergenType.ENVIRONMENT, "Contact dermatitis", AllergySeverity.MODERATE, 1),
)
